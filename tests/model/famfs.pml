/*
 * famfs: master election, leases, log fencing and data-set ownership.
 * A Promela model for spin; docs/model.md maps every step to the code and
 * tests/model/run.sh checks it (make check-model).
 *
 * Two parts, chosen at spin time (spin -DELECTION / -DOWNERSHIP -a famfs.pml):
 *
 *   ELECTION   N = 3 hosts elect a master by majority lease votes over
 *              epochs and renew; the master bumps the log header epoch and
 *              appends records (check, then a store fenced by the kernel's
 *              lease on the log mapping). Faults: any host stopped at any
 *              point, messages lost, delayed across rounds and epochs,
 *              duplicated; famfsd restarts (kill -9 + start) of any host,
 *              voters included; every host clock drifting within eps.
 *              Checks: at most one live master (log writer) at any time;
 *              masters' epochs strictly increase (one master per epoch);
 *              no record in an old epoch; no acknowledged commit lost
 *              (overwritten by another writer's store).
 *   OWNERSHIP  The same log writes, with the election replaced by what
 *              ELECTION proves of it (hosts 0 .. MASTERS-1 may be master),
 *              plus host leases (heartbeats, kernel self-fencing), OWNER
 *              records of one data set used by hosts 1 and 2, in a log that
 *              every host replays at its own pace, acquire, revoke/release
 *              acks, atomic handoff, Grant messages. Faults: stopped hosts,
 *              lost / delayed / duplicated messages (acks, Grants), master
 *              crash between any two steps (a handoff included), famfsd
 *              restart on a host while its kernel module keeps its state,
 *              stale or stuck replay, drift. Checks, from each host's own
 *              access state: never two hosts with rw, never rw and ro at
 *              once; the same for the committed grants; access only while
 *              the log holds the host's grant; a handoff never left half
 *              committed.
 *
 * Time: every deadline is the number of ticks left (real time); the clock
 * process decrements them all at once, so time is unbounded and the state
 * space finite. Clock drift: a host measures a duration D on its own clock,
 * which runs at a rate within [1-eps, 1+eps] of real time, so D lasts
 * between D/(1+eps) and D/(1-eps) real time. The model uses eps = 1/3 and a
 * lease of 2 ticks: the master stops at lease*(1-eps), which lasts 1 tick
 * (fast clock) to 2 ticks (slow clock); a voter promises lease*(1+eps),
 * which lasts 2 (fast) to 4 (slow) ticks. Arming a timer takes the extreme
 * that adds behaviour (a longer master lease or a shorter promise only
 * allows more, and covers every value in between); -DDRIFT_BOTH lets each
 * arming pick either extreme. Real durations are rounded so as to add
 * behaviour: up for a holder's lease, down for a promise.
 *
 * Style: one process per host whose do-loop holds every step that host can
 * take, each step one d_step (one indivisible transition), plus a clock and
 * a monitor. A SIGSTOPped host is a host whose steps are not picked while
 * the clock runs on. A message in flight is a global variable that the
 * receiver's step reads; delivery may leave it in flight (a duplicate), a
 * newer message of the same kind replaces it (the old one is lost), and it
 * outlives its sender's round, epoch or role (a late message).
 *
 * Broken variants (spin -DBUG_..., each must produce a counterexample;
 * run.sh checks that and which property fails):
 *   BUG_FORGET_VOTE    a restarted voter forgets its promise      [ELECTION]
 *   BUG_NO_EPS         no drift margin: the master's lease and the voters'
 *                      promise are both the plain lease   [ELECTION]; host
 *                      leases: the kernel lease and the master's view of it
 *                      are both the plain host lease           [OWNERSHIP]
 *   BUG_NOFENCE        log stores not fenced by the kernel lease [ELECTION]
 *   BUG_SPLIT_HANDOFF  a handoff is two log writes, release then grant,
 *                      and the master may crash between them  [OWNERSHIP]
 *   BUG_UNOWNED_RW     an unowned data set is read-write for every host
 *                      and an acquire of it commits at once   [OWNERSHIP]
 *   BUG_STALE_NS       access raised from a namespace not yet replayed to
 *                      the master's position at the ack      [OWNERSHIP]
 *   BUG_STALE_GRANT    a famfs.peer.Grant raises access without checking
 *                      the log (a deposed master's late Grant) [OWNERSHIP]
 *   BUG_RETRY_NOID     a release / revoke ack that does not name its grant
 *                      epoch (a retry or duplicate) releases a newer grant
 *                                                              [OWNERSHIP]
 *   BUG_RESTART_KEEPS  famfsd restarted within its kernel lease restores
 *                      the grants of the log (also one it gave up) [OWNERSHIP]
 *   BUG_NOWAIT         master releases a grant without ack or expiry
 *   BUG_NOKFENCE       a host re-enables a grant it gave up      [OWNERSHIP]
 *   BUG_REACK          master re-acks a host it saw expire before it
 *                      committed the release of its grants       [OWNERSHIP]
 *   BUG_RENAME_OUT     a rename moves a file out of a data set while a
 *                      host holds it (no check against grants) [WITH_RENAME]
 *   BUG_IMPERSONATE    a forwarded release naming another host's read-only
 *                      grant is taken as that host's own      [WITH_RO]
 *   BUG_NO_WRITEBACK   lowering access does not write back  [WITH_CACHE]
 *   BUG_NO_INVAL       raising access does not invalidate   [WITH_CACHE]
 *   BUG_INVAL_AFTER    the invalidation runs after the raise [WITH_CACHE]
 *   BUG_TOUCH_NO_INVAL a touch of a stale line does not invalidate it
 *                      first                               [WITH_CACHE]
 * Bounds: -DMAXE= (epochs, ELECTION), -DMAXG= (grants), -DMASTERS=.
 * Options: -DDRIFT_BOTH (arm both drift extremes), -DNO_DUP (no duplicated
 * vote requests), -DWITH_RO (read-only acquires too, and forwarded
 * releases naming another host), -DWITH_RENAME (a file f of the data set
 * and a rename that moves it out), -DWITH_CACHE (each host's CPU cache of
 * the data set: writes, reads, evictions, write-back and invalidation;
 * property no_stale_read), -DNO_RESTART (no
 * famfsd restarts in OWNERSHIP), -DNO_COVER (no access_covered_by_grant
 * check: a broken variant runs on to a real exclusion failure).
 */

#if !defined(ELECTION) && !defined(OWNERSHIP)
#error "spin -DELECTION or -DOWNERSHIP"
#endif

#define N	3
#ifndef MAXE
#define MAXE	3	/* highest epoch */
#endif
#ifndef MASTERS
#define MASTERS	2	/* OWNERSHIP: hosts 0 .. MASTERS-1 may become master */
#endif
#ifndef MAXG
#define MAXG	2	/* OWNERSHIP: number of OWNER grants (grant epochs 1..MAXG) */
#endif
#ifdef WITH_RENAME
#define MAXL	(2 * MAXG + 2)	/* ... and the rename of f, f's own grant */
#else
#define MAXL	(2 * MAXG)	/* log length: each grant at most one release */
#endif

/*
 * Real durations in ticks (see "Time" above). X_FAST: the duration measured
 * on a fast clock, X_SLOW: on a slow one.
 * ELECTION: tick = lease/2, so the lease is 2 ticks, eps = 1/3.
 */
#ifndef BUG_NO_EPS
#define LM_FAST	1	/* master lease: lease*(1-eps) = 4/3 on the master's clock */
#define LM_SLOW	2
#define LP_FAST	2	/* voter's promise: lease*(1+eps) = 8/3 on the voter's clock */
#define LP_SLOW	4
#else			/* both sides use the plain lease (2 ticks of its clock) */
#define LM_FAST	2	/* 2/(4/3) = 1.5, rounded up (a holder's lease) */
#define LM_SLOW	3
#define LP_FAST	1	/* 1.5 rounded down (a promise) */
#define LP_SLOW	3
#endif
/*
 * OWNERSHIP uses the same tick, with host lease = lease, and only the
 * extremes that add behaviour: a holder's lease at its longest (slow
 * clock), the other side's view of it at its shortest (fast clock). The
 * host's kernel lease is hlease*(1-eps) on its own clock, the master's view
 * of it hlease*(1+eps) on the master's clock.
 */
#define OM	LM_SLOW	/* master lease (its log fence) */
#define OK	LM_SLOW	/* a host's kernel lease */
#define OV	LP_FAST	/* the master's view of a host lease */

#define NONE	0
#define RO	1
#define RW	2

#define FOLLOWER	0
#define CANDIDATE	1
#define MASTER		2

#define OP_NONE		0
#define OP_TAKEOVER	1	/* ELECTION: header epoch bump */
#define OP_APPEND	2	/* ELECTION: some record */
#define OP_GRANT	3	/* OWNERSHIP: OWNER(g, mode, new epoch) */
#define OP_RELEASE	4	/* OWNERSHIP: OWNER(a, none, a's epoch) */
#define OP_HANDOFF	5	/* OWNERSHIP: OWNER(a, none) + OWNER(b, rw) at once */
#define OP_RENAME	6	/* OWNERSHIP (WITH_RENAME): RENAME of f out of the data set */
#define OP_FGRANT	7	/* ... OWNER(g, rw) on f, once it left */

/* each host as candidate / master */
byte role[N];
byte mrem[N];			/* master lease (= its log fence) left */
byte opk[N];			/* pending log write: checked, not yet stored */

#define IS_MASTER(c)	(role[c] == MASTER && mrem[c] > 0)

#ifdef BUG_NOFENCE
#define FENCE_OK(c)	true
#else
#define FENCE_OK(c)	(mrem[c] > 0)	/* the kernel revokes the log mapping then */
#endif

#define DEC(x)	if :: x > 0 -> x-- :: else -> skip fi

/* ====================================================================== */
#ifdef ELECTION

byte top;			/* highest epoch any master had so far */
byte ep[N];			/* each host's epoch as candidate / master */

/* the log in shared memory */
byte hdr_epoch;			/* header's master epoch */
byte last_epoch;		/* epoch of the last record */
bool tk[N];			/* takeover (header epoch bump) pending */
bool fresh[N];			/* nothing stored since h's check (its position) */

/* the properties (hidden: not part of the state) */
hidden byte one_master_per_epoch, no_commit_lost, no_old_epoch_write;

/* lease votes: each host's promise as a voter (persisted, see restart) */
byte pe[N];			/* promised epoch */
byte pto[N];			/* promised to (candidate) */
byte prem[N];			/* promise left */
byte rrem[N];			/* lease the current round gives if it wins */
byte votes[N];			/* bit mask of votes in this round */
byte vreq[N*N];			/* [c*N+h]: epoch of c's request in flight to h */

#define MAJ(v)		(((v) & 1) + (((v) >> 1) & 1) + (((v) >> 2) & 1) >= 2)
#define NEXTE(h)	((pe[h] > hdr_epoch -> pe[h] : hdr_epoch) + 1)

/* Voter h grants a lease vote for (E, c)?  (cluster.c h_lease) */
#define GRANT_OK(h, c, E) \
	(((E) > pe[h] && (prem[h] == 0 || pto[h] == (c))) || \
	 ((E) == pe[h] && pto[h] == (c)))

#define SEND_ROUND(h) \
	vreq[h*N + 0] = (h != 0 -> ep[h] : 0); \
	vreq[h*N + 1] = (h != 1 -> ep[h] : 0); \
	vreq[h*N + 2] = (h != 2 -> ep[h] : 0)

/*
 * h (not a live master) runs for epoch max(promised, header) + 1, voting for
 * itself; its lease, if it wins, runs lm from before the requests are sent.
 * Its own promise lasts at least LP_FAST.      (cluster.c start_election)
 */
inline start_election(h, lm)
{
	d_step {
		!IS_MASTER(h) && opk[h] == OP_NONE && NEXTE(h) <= MAXE &&
		GRANT_OK(h, h, NEXTE(h)) ->
		ep[h] = NEXTE(h);
		pe[h] = ep[h]; pto[h] = h; prem[h] = LP_FAST;
		role[h] = CANDIDATE; tk[h] = 0;
		rrem[h] = lm;
		votes[h] = 1 << h;
		SEND_ROUND(h)
	}
}

/* A live master renews: the same request, same epoch, a new round. (on_tick) */
inline renew(h, lm)
{
	d_step {
		IS_MASTER(h) ->
		if
		:: prem[h] < LP_FAST -> prem[h] = LP_FAST
		:: else -> skip
		fi;
		rrem[h] = lm;
		votes[h] = 1 << h;
		SEND_ROUND(h)
	}
}

/*
 * Voter h receives a request (E, c) that c sent at some time (in this round,
 * an older one, or an older epoch: a late message); keep = it stays in
 * flight (a duplicate arrives later). A denial is no reply. A granted vote
 * is counted in the same step by c if c is still in a round of epoch E: c
 * counts its lease from the start of its current round, which is before
 * this grant, so counting later could only shorten it; a lost reply is a
 * vote c never uses. Replies to an earlier epoch are dropped (tagged).
 * (cluster.c h_lease, on_vote, become_master)
 */
inline grant_vote(h, c, keep, lp)
{
	d_step {
		vreq[c*N + h] != 0 ->
		if
		:: GRANT_OK(h, c, vreq[c*N + h]) ->
			pe[h] = vreq[c*N + h]; pto[h] = c; prem[h] = lp;
			if
			:: role[c] != FOLLOWER && ep[c] == vreq[c*N + h] && rrem[c] > 0 ->
				votes[c] = votes[c] | (1 << h)
			:: else -> skip
			fi
		:: else -> skip
		fi;
		if
		:: !keep -> vreq[c*N + h] = 0
		:: else -> skip
		fi;
		if
		:: role[c] == CANDIDATE && rrem[c] > 0 && MAJ(votes[c]) ->
			one_master_per_epoch = (ep[c] > top);	/* epochs increase */
			assert(one_master_per_epoch);
			top = ep[c];
			role[c] = MASTER;
			mrem[c] = rrem[c];
			tk[c] = 1
		:: IS_MASTER(c) && rrem[c] > 0 && MAJ(votes[c]) && mrem[c] < rrem[c] ->
			mrem[c] = rrem[c]
		:: else -> skip
		fi
	}
}

/*
 * famfsd on h is killed and restarted: it forgets its role, its round and
 * its pending store (a dead process stores nothing). The promise it gave as
 * a voter is persisted before the reply, so it survives; with
 * BUG_FORGET_VOTE it is lost (cluster.c h_lease kept it in memory only).
 * Its requests in flight stay in flight.
 */
#ifdef BUG_FORGET_VOTE
#define RESTART_CHANGES(h)	(role[h] != FOLLOWER || opk[h] != OP_NONE || pe[h] != 0 || prem[h] != 0)
#else
#define RESTART_CHANGES(h)	(role[h] != FOLLOWER || opk[h] != OP_NONE)
#endif

inline restart(h)
{
	d_step {
		RESTART_CHANGES(h) ->
		role[h] = FOLLOWER; ep[h] = 0; tk[h] = 0;
		rrem[h] = 0; votes[h] = 0;
		opk[h] = OP_NONE; fresh[h] = 0;
#ifdef BUG_FORGET_VOTE
		pe[h] = 0; pto[h] = 0; prem[h] = 0;
#endif
		skip
	}
}

/* A live master that sees a newer epoch in the header steps down. */
inline step_down(h)
{
	d_step {
		IS_MASTER(h) && hdr_epoch > ep[h] ->
		role[h] = FOLLOWER
	}
}

/*
 * The first write of a new master bumps the header epoch; the writer
 * refuses when the header already carries its epoch or a newer one
 * (lib/fs.c fam_fs_become_writer). The check reads the log position.
 */
inline plan_takeover(h)
{
	d_step {
		IS_MASTER(h) && tk[h] && opk[h] == OP_NONE && hdr_epoch < ep[h] ->
		opk[h] = OP_TAKEOVER; fresh[h] = 1
	}
}

/* Master h appends a record (a commit; its content does not matter here). */
inline plan_append(h)
{
	d_step {
		IS_MASTER(h) && !tk[h] && opk[h] == OP_NONE && hdr_epoch <= ep[h] ->
		opk[h] = OP_APPEND; fresh[h] = 1
	}
}

/*
 * The store (record + header), a separate step from the check: the master
 * may be stopped in between. The kernel's lease on the log mapping (the
 * master lease) fences it: a store after that faults and is lost. A stored
 * commit is acknowledged to its client; it is lost if another writer's
 * later store goes to the same position (checked before this one's).
 */
inline store(h)
{
	d_step {
		opk[h] != OP_NONE ->
		if
		:: FENCE_OK(h) ->
			no_commit_lost = fresh[h];	/* nothing stored since the check */
			assert(no_commit_lost);
			no_old_epoch_write = (ep[h] >= hdr_epoch && ep[h] >= last_epoch);
			assert(no_old_epoch_write);	/* and record epochs never decrease */
			last_epoch = ep[h];
			hdr_epoch = ep[h];
			fresh[0] = 0; fresh[1] = 0; fresh[2] = 0;
			if
			:: opk[h] == OP_TAKEOVER -> tk[h] = 0
			:: else -> skip
			fi
		:: else -> skip
		fi;
		opk[h] = OP_NONE; fresh[h] = 0
	}
}

proctype host(byte h)
{
end:	do
	:: start_election(h, LM_SLOW)
	:: renew(h, LM_SLOW)
	:: grant_vote(h, 0, 0, LP_FAST)
	:: grant_vote(h, 1, 0, LP_FAST)
	:: grant_vote(h, 2, 0, LP_FAST)
#ifndef NO_DUP
	:: grant_vote(h, 0, 1, LP_FAST)
	:: grant_vote(h, 1, 1, LP_FAST)
	:: grant_vote(h, 2, 1, LP_FAST)
#endif
#ifdef DRIFT_BOTH	/* the other extremes too: they add no behaviour */
	:: start_election(h, LM_FAST)
	:: renew(h, LM_FAST)
	:: grant_vote(h, 0, 0, LP_SLOW)
	:: grant_vote(h, 1, 0, LP_SLOW)
	:: grant_vote(h, 2, 0, LP_SLOW)
#endif
	:: restart(h)
	:: step_down(h)
	:: plan_takeover(h)
	:: plan_append(h)
	:: store(h)
	od
}

/*
 * One tick for h. Deadlines go down; a master whose lease ran out or a
 * candidate whose round can no longer win is a follower. Values no step
 * can tell apart are zeroed (this only merges states).
 */
#define DROP_REFUSED(c, h) \
	if \
	:: vreq[c*N + h] != 0 && (vreq[c*N + h] < pe[h] || \
	   (vreq[c*N + h] == pe[h] && pto[h] != c)) -> vreq[c*N + h] = 0 \
	:: else -> skip \
	fi

inline tick(h)
{
	DEC(mrem[h]); DEC(prem[h]); DEC(rrem[h]);
	if
	:: (role[h] == MASTER && mrem[h] == 0) || (role[h] == CANDIDATE && rrem[h] == 0) ->
		role[h] = FOLLOWER; tk[h] = 0
	:: else -> skip
	fi;
	if
	:: rrem[h] == 0 -> votes[h] = 0
	:: else -> skip
	fi;
	if	/* requests carry their own epoch; only a pending store needs ep */
	:: role[h] == FOLLOWER && opk[h] == OP_NONE -> ep[h] = 0
	:: else -> skip
	fi;
#ifndef BUG_FORGET_VOTE
	/* requests to h that h refuses now refuses for ever (promises only grow) */
	DROP_REFUSED(0, h); DROP_REFUSED(1, h); DROP_REFUSED(2, h);
#endif
	skip
}

#define ONE_MASTER \
	(!(IS_MASTER(0) && IS_MASTER(1)) && !(IS_MASTER(0) && IS_MASTER(2)) && \
	 !(IS_MASTER(1) && IS_MASTER(2)))
#define INVARIANT	ONE_MASTER

#endif /* ELECTION */

/* ====================================================================== */
#ifdef OWNERSHIP

/*
 * The log: OWNER records of one data set. A record is a byte:
 * host (bits 0-1), mode (bits 2-3), grant epoch (bits 4-6); a release names
 * the grant epoch it ends. Bit 7: some host owns the data set after this
 * record (read only by the legacy rule, BUG_UNOWNED_RW). A handoff is two
 * records stored in one step (one log transaction).
 */
#ifdef BUG_UNOWNED_RW
#define REC(g, m, e, o)	((g) | ((m) << 2) | ((e) << 4) | ((o) << 7))
#else
#define REC(g, m, e, o)	((g) | ((m) << 2) | ((e) << 4))
#endif
#define RHOST(r)	((r) & 3)
#define RMODE(r)	(((r) >> 2) & 3)
#define REPOCH(r)	(((r) >> 4) & 7)
#define ROWNED(r)	((r) >> 7)
#define UNOWNED_AT(p)	((p) == 0 || !ROWNED(lrec[(p) - 1]))	/* after p records */

hidden byte handoff_atomic;

byte lrec[MAXL];
byte llen;			/* committed records */

/* what the log says (the master reads it whole when it takes over) */
byte grant[N];			/* committed mode of host g */
byte gep[N];			/* ... its grant epoch */
byte gepoch;			/* highest grant epoch so far */

/* requests and messages in flight */
byte want[N];			/* acquire / handoff request of host g (to any master) */
byte ackm[N];			/* g's release / revoke ack: the grant epoch it gives up */
byte gmsg[N];			/* famfs.peer.Grant to g: the grant epoch (mode rw) */
#ifdef BUG_STALE_GRANT
#define SEND_GRANT(g, e)	gmsg[g] = e
#else
#define SEND_GRANT(g, e)	skip	/* see recv_grant */
#endif

/* the master */
byte oph[N];			/* pending write: host it concerns */
byte opb[N];			/* ... handoff: the new owner */
byte hs[N];			/* BUG_SPLIT_HANDOFF: new owner + 1 of a half handoff */
byte view[N];			/* the live master's view of g's host lease, left */

/* each host: famfsd's replayed namespace */
byte rp[N];			/* records replayed */
byte vmode[N];			/* its own grant in its namespace: mode */
byte vep[N];			/* ... and grant epoch */
byte gave[N];			/* highest grant epoch it gave up or lost */
byte ackpos[N];			/* master's log position at the last ack (0 once replayed) */

/* each host's kernel module (survives a famfsd restart) */
byte acc[N];			/* access to the data set */
byte krem[N];			/* kernel (host) lease left */

#ifdef WITH_RENAME
/*
 * A file f of the data set, and a rename that moves it out of it: a RENAME
 * record (host field 3). Out, f is a data set of its own that nobody owns,
 * so an acquire of it commits at once: OWNER(g, rw) on f (grant epoch 7).
 * While f is inside (in h's namespace) h's access to it is acc[h]; then
 * facc[h], from h's own grant on f. (service.c h_rename, authz.c
 * famfsd_refuse_rename; reconcile on RENAME in ownership.c)
 */
#define F_EPOCH		7
#define F_REC		REC(3, 0, 0, !NOBODY_OWNS)
bool fin = 1;			/* committed: f is inside the data set */
byte fown;			/* committed: host + 1 that owns f (rw) since it left */
bool vfin[N] = 1;		/* h's namespace: f inside */
bool vf[N];			/* h's namespace: h owns f (rw) */
byte facc[N];			/* h's module: access to f once it left */
#define FEFF(h)		(krem[h] > 0 -> (vfin[h] -> acc[h] : facc[h]) : NONE)
#define NOTF(r)		(REPOCH(r) != F_EPOCH && RHOST(r) != 3)
/*
 * The master commits the rename only if no host holds the data set: not
 * another host (refuse_ns), not the caller itself (a file leaves a data set
 * only after its release). BUG_RENAME_OUT: no check (famfsd before it).
 */
#ifdef BUG_RENAME_OUT
#define MAY_RENAME_OUT	true
#else
#define MAY_RENAME_OUT	NOBODY_OWNS
#endif
#else
#define NOTF(r)		true
#endif

#ifdef WITH_RO
/*
 * A release of a read-only grant that a host forwards (or any holder of a
 * cluster certificate sends) naming another host: (caller << 2 | named) +
 * 16 in flight, 0: none. The master commits a read-only release at once;
 * it takes the acting host from the caller's certificate and refuses one
 * that names another host (authz.c famfsd_refuse_act_for). A host's own
 * release is giveup. BUG_IMPERSONATE: the request's host is believed.
 */
byte fq;
#ifdef BUG_IMPERSONATE
#define ACTS_FOR(c, a)	true
#else
#define ACTS_FOR(c, a)	((c) == (a))
#endif
#endif

#define CONFL(a, b)	(((a) == RW && (b) != NONE) || ((b) == RW && (a) != NONE))
#define EFF(h)		(krem[h] > 0 -> acc[h] : NONE)	/* what h can touch */

/* Mode m for host g conflicts with no committed grant of another host. */
#define FREE_FOR(g, m) \
	(((g) == 0 || !CONFL(m, grant[0])) && \
	 ((g) == 1 || !CONFL(m, grant[1])) && \
	 ((g) == 2 || !CONFL(m, grant[2])))
#define NOBODY_OWNS	(grant[0] == NONE && grant[1] == NONE && grant[2] == NONE)

#ifdef WITH_CACHE
/*
 * The data set's memory seen through each host's CPU cache, one line of it
 * (what holds for one line holds for each): fabric memory is not coherent
 * between hosts, so a host keeps reading what its cache holds until it
 * invalidates it, and its writes reach the memory only when written back.
 * Versions: latest is the newest value any host wrote, mem what the memory
 * holds, cv[h] the version in h's cache (CN: not cached), dty[h] whether
 * that line is dirty. A line enters h's cache only through h's own access
 * (a fault or read(2)/write(2) while acc[h] != NONE): famfs.ko tracks those
 * units (docs/kernel.md, "Cache maintenance").
 *
 * Kernel mode (famfs.ko, kernel/fence.c): lowering access writes back h's
 * dirty lines before the ack (giveup) and at its own lease expiry (tick);
 * raising access from NONE marks stale what h may hold (enable: famfs.ko
 * moves the units it touched since their last invalidation to its stale
 * bitmap; the model marks the line stale only if h holds it, the least
 * the module does), and h's next touch (cread, cwrite: a fault before it
 * maps, read(2)/write(2) before the copy) invalidates a stale line first
 * and clears the mark (famfs_touch_units); lowering leaves the mark, a
 * later raise adds to it. Property no_stale_read: a host that reads with
 * access sees the newest value written; released_written_back: when the
 * master commits the release of a host's grant, that host holds no dirty
 * line (checked at the commit, so one grant epoch shows it).
 *   BUG_NO_WRITEBACK  lowering acks without writing back
 *   BUG_NO_INVAL      raising access does not invalidate
 *   BUG_INVAL_AFTER   the invalidation runs after the raise, as a separate
 *                     step (famfsd before 2026-12-05: recon_file set the
 *                     access, then walked the file from user space)
 *   BUG_TOUCH_NO_INVAL a touch ignores the stale mark (famfs.ko built with
 *                     -DFAMFS_BUG_TOUCH_NO_INVAL)
 */
#define MAXV	3
#define CN	255
/*
 * The start: version 1 is in the memory, and hosts 1 and 2 still hold
 * version 0 from an earlier period (read before another host wrote 1 and
 * released it): a state the protocol reaches with one more grant, which
 * would put a stale read out of the search's reach.
 */
byte latest = 1;		/* newest version written by any host */
byte mem = 1;			/* version in the fabric memory */
byte cv[N] = 0;			/* version in h's cache, CN: none */
bool dty[N];			/* h's line is dirty */
#ifdef BUG_INVAL_AFTER
bool pinv[N];			/* an invalidation to run after the raise */
#endif
bool stale[N];			/* h's line to invalidate at its next touch */
hidden byte no_stale_read, released_written_back;

/* Write back h's dirty line (clwb: it stays cached, clean). */
#define WB(h)	if :: dty[h] -> mem = cv[h]; dty[h] = 0 :: else -> skip fi
/* Invalidate h's line (clflushopt: written back if dirty, then dropped). */
#define INVAL(h)	WB(h); cv[h] = CN

/*
 * The master commits the release of a's grant (a acked, or its lease ran
 * out): none of a's writes may still be only in a's cache, or the next
 * owner reads the memory without them.
 */
#define CHECK_WRITTEN_BACK(a) \
	released_written_back = !dty[a]; \
	assert(released_written_back)

/*
 * h touches the line (fault or read(2)/write(2)): a stale line is
 * invalidated first, and only then is the mark cleared.
 */
#ifdef BUG_TOUCH_NO_INVAL
#define TOUCH(h)	stale[h] = 0
#else
#define TOUCH(h)	if :: stale[h] -> INVAL(h); stale[h] = 0 :: else -> skip fi
#endif

/* h writes the line (a store through its mapping or write(2)). */
inline cwrite(h)
{
	d_step {
		EFF(h) == RW && latest < MAXV ->
		TOUCH(h);
		latest++; cv[h] = latest; dty[h] = 1
	}
}

/* h reads the line: from its cache, or the memory on a miss. */
inline cread(h)
{
	d_step {
		EFF(h) != NONE ->
		TOUCH(h);
		if :: cv[h] == CN -> cv[h] = mem :: else -> skip fi;
		no_stale_read = (cv[h] == latest);
		assert(no_stale_read)
	}
}

/* The CPU evicts h's line at any time (written back if dirty). */
inline evict(h)
{
	d_step { cv[h] != CN -> INVAL(h) }
}

#ifdef BUG_INVAL_AFTER
inline late_inval(h)
{
	d_step { pinv[h] -> INVAL(h); pinv[h] = 0 }
}
#endif
#endif

#ifndef WITH_CACHE
#define CHECK_WRITTEN_BACK(a)	skip
#endif

/* Does a's ack (or retried release) end a's current grant? */
#ifdef BUG_RETRY_NOID
#define ACKED(a)	(ackm[a] != 0)		/* any release of a's: the newest grant goes */
#else
#define ACKED(a)	(ackm[a] == gep[a])	/* only the grant epoch it names */
#endif
#ifdef BUG_NOWAIT
#define MAY_RELEASE(a)	true
#else
#define MAY_RELEASE(a)	(ACKED(a) || view[a] == 0)	/* acked, or lease expired */
#endif

/*
 * h becomes master of a new epoch once every earlier master's lease (its
 * log fence) ended: what ELECTION checks. It reads the log (grant, gep),
 * and assumes every host lease may run a full period from now. Epochs are
 * not stored here (ELECTION checks them), so the number of elections is
 * unbounded. (cluster.c become_master)
 */
inline become_master(h)
{
	d_step {
		h < MASTERS && opk[h] == OP_NONE &&
		mrem[0] == 0 && mrem[1] == 0 && mrem[2] == 0 ->
		role[h] = MASTER;
		mrem[h] = OM;
		view[0] = OV; view[1] = OV; view[2] = OV
	}
}

/* A renewal round that started now and won. */
inline renew(h)
{
	d_step { IS_MASTER(h) && mrem[h] < OM -> mrem[h] = OM }
}

/* The master process dies (kill -9) between any two of its steps. */
inline crash(h)
{
	d_step {
		role[h] == MASTER ->
#ifdef BUG_SPLIT_HANDOFF
		handoff_atomic = (hs[h] == 0);	/* not left half committed */
		assert(handoff_atomic);
#endif
		role[h] = FOLLOWER; opk[h] = OP_NONE; oph[h] = 0; opb[h] = 0
	}
}

/* Master h will commit OWNER(g, want[g], gepoch + 1). (ownership.c h_acquire) */
inline plan_grant(h, g)
{
	d_step {
		IS_MASTER(h) && opk[h] == OP_NONE && hs[h] == 0 &&
		want[g] != NONE && grant[g] == NONE && gepoch < MAXG &&
		FREE_FOR(g, want[g]) ->
		opk[h] = OP_GRANT; oph[h] = g
	}
}

/*
 * Master h will commit OWNER(a, none, gep[a]): a acked the revoke (or asked
 * for the release) naming that grant epoch, or a's host lease expired in
 * h's view. (ownership.c h_release, famfsd_ownership_host_expired)
 */
inline plan_release(h, a)
{
	d_step {
		IS_MASTER(h) && opk[h] == OP_NONE && hs[h] == 0 &&
		grant[a] != NONE && MAY_RELEASE(a) ->
		opk[h] = OP_RELEASE; oph[h] = a
	}
}

/*
 * Handoff a -> b: b asked for rw while a holds it; a revoked (gave up,
 * flushed) and acked, or a's lease expired. Master h will commit the
 * release of a and the grant to b in one log transaction.
 * (ownership.c h_handoff, handoff_revoked)
 */
inline plan_handoff(h, a, b)
{
	d_step {
		IS_MASTER(h) && opk[h] == OP_NONE && hs[h] == 0 &&
		grant[a] == RW && want[b] == RW && gepoch < MAXG && MAY_RELEASE(a) ->
		opk[h] = OP_HANDOFF; oph[h] = a; opb[h] = b
	}
}

#ifdef WITH_RENAME
/* Master h will commit the rename of f out of the data set (asked by any host). */
inline plan_rename(h)
{
	d_step {
		IS_MASTER(h) && opk[h] == OP_NONE && hs[h] == 0 && fin && MAY_RENAME_OUT ->
		opk[h] = OP_RENAME
	}
}

/* f left: nobody owns it, an acquire of it by g commits at once (h_acquire). */
inline plan_fgrant(h, g)
{
	d_step {
		IS_MASTER(h) && opk[h] == OP_NONE && hs[h] == 0 && !fin && fown == 0 ->
		opk[h] = OP_FGRANT; oph[h] = g
	}
}
#endif

#ifdef WITH_RO
/* Host b asks the master to release a's read-only grant (famfsctl release --host a). */
inline forge(b, a)
{
	d_step { fq == 0 && grant[a] == RO -> fq = 16 | ((b) << 2) | (a) }
}

/* The master receives it: taken as a's own release, or refused. */
inline recv_fwd(h)
{
	d_step {
		IS_MASTER(h) && fq != 0 ->
		if
		:: ACTS_FOR((fq >> 2) & 3, fq & 3) && grant[fq & 3] == RO ->
			ackm[fq & 3] = gep[fq & 3]
		:: else -> skip		/* PERMISSION_DENIED */
		fi;
		fq = 0
	}
}
#endif

#ifdef BUG_SPLIT_HANDOFF
/* The second write of a split handoff: the grant to b. */
inline plan_hgrant(h)
{
	d_step {
		IS_MASTER(h) && opk[h] == OP_NONE && hs[h] != 0 ->
		opk[h] = OP_GRANT; oph[h] = hs[h] - 1
	}
}
#endif

/* Append OWNER(g, m, e). */
hidden byte ce;
inline append(g, m, e)
{
	assert(llen < MAXL);
	ce = e;			/* (e may name gep[g]: read it first) */
	grant[g] = m;
	gep[g] = (m != NONE -> ce : 0);
	lrec[llen] = REC(g, m, ce, !NOBODY_OWNS);
	llen++
}

/*
 * The store: records + header, fenced by the master lease (the kernel's
 * lease on the log mapping). A commit of a grant sends famfs.peer.Grant to
 * its host. (lib/fs.c fam_fs_owner via ownership.c commit_owner)
 */
inline store(h)
{
	d_step {
		opk[h] != OP_NONE ->
		if
		:: FENCE_OK(h) ->
			if
			:: opk[h] == OP_GRANT ->
				gepoch++;
				append(oph[h], want[oph[h]], gepoch);
				want[oph[h]] = NONE;
				SEND_GRANT(oph[h], gepoch);
				hs[h] = 0
			:: opk[h] == OP_RELEASE ->
				CHECK_WRITTEN_BACK(oph[h]);
				append(oph[h], NONE, gep[oph[h]])
			:: opk[h] == OP_HANDOFF ->
				CHECK_WRITTEN_BACK(oph[h]);
				append(oph[h], NONE, gep[oph[h]]);
#ifdef BUG_SPLIT_HANDOFF
				hs[h] = opb[h] + 1	/* the grant is a second commit */
#else
				gepoch++;
				append(opb[h], RW, gepoch);
				want[opb[h]] = NONE;
				SEND_GRANT(opb[h], gepoch)
#endif
#ifdef WITH_RENAME
			:: opk[h] == OP_RENAME ->
				assert(llen < MAXL);
				lrec[llen] = F_REC; llen++;
				fin = 0
			:: opk[h] == OP_FGRANT ->
				assert(llen < MAXL);
				lrec[llen] = REC(oph[h], RW, F_EPOCH, !NOBODY_OWNS); llen++;
				fown = oph[h] + 1
#endif
			fi
		:: else -> skip
		fi;
		opk[h] = OP_NONE; oph[h] = 0; opb[h] = 0
	}
}

/* --- host leases --- */

/*
 * Host g heartbeats to master h, h acks with its log position, g's kernel
 * module extends its lease from before the heartbeat was sent: one step
 * (a heartbeat spending time in flight only gives a shorter kernel lease).
 * A host whose lease h saw expire while it still holds a grant is not
 * acked before h committed OWNER(g, none) (BUG_REACK drops that rule).
 * Drift: the kernel lease is taken at its longest (g's clock slow), the
 * master's view at its shortest (h's clock fast).
 * (cluster.c h_heartbeat, on_heartbeat; hostlease.c famfsd_hostlease_extend)
 */
#ifdef BUG_REACK
#define ACK_OK(g)	true
#else
#define ACK_OK(g)	(view[g] > 0 || grant[g] == NONE)
#endif

inline heartbeat(h, g)
{
	d_step {
		IS_MASTER(h) && ACK_OK(g) &&
		(view[g] < OV || krem[g] < OK || (ackpos[g] < llen && rp[g] < llen)) ->
		view[g] = OV;
		if
		:: krem[g] < OK -> krem[g] = OK
		:: else -> skip
		fi;
		if
		:: rp[g] < llen -> ackpos[g] = llen
		:: else -> ackpos[g] = 0
		fi
	}
}

/* --- ownership, host side --- */

/* g asks for ro or rw (acquire), or for rw while another holds it (handoff). */
inline acquire(g)
{
	if
#ifdef WITH_RO
	:: d_step { vmode[g] == NONE && want[g] == NONE && gepoch < MAXG -> want[g] = RO }
#endif
	:: d_step { vmode[g] == NONE && want[g] == NONE && gepoch < MAXG -> want[g] = RW }
	fi
}

/*
 * Replay one record into h's namespace (ownership.c famfsd_ownership_on_record,
 * reconcile). A release of h's grant drops its access at once.
 */
inline replay(h)
{
	d_step {
		rp[h] < llen ->
		if
#ifdef WITH_RENAME
		:: RHOST(lrec[rp[h]]) == 3 -> vfin[h] = 0	/* reconcile: f's access from now on */
		:: REPOCH(lrec[rp[h]]) == F_EPOCH && RHOST(lrec[rp[h]]) == h -> vf[h] = 1
		:: REPOCH(lrec[rp[h]]) == F_EPOCH && RHOST(lrec[rp[h]]) != h -> skip
#endif
		:: NOTF(lrec[rp[h]]) && RHOST(lrec[rp[h]]) == h && RMODE(lrec[rp[h]]) == NONE ->
			if
			:: vep[h] == REPOCH(lrec[rp[h]]) ->
				vmode[h] = NONE; vep[h] = 0; acc[h] = NONE
			:: else -> skip
			fi
		:: NOTF(lrec[rp[h]]) && RHOST(lrec[rp[h]]) == h && RMODE(lrec[rp[h]]) != NONE ->
			vmode[h] = RMODE(lrec[rp[h]]); vep[h] = REPOCH(lrec[rp[h]])
		:: NOTF(lrec[rp[h]]) && RHOST(lrec[rp[h]]) != h -> skip
		fi;
		rp[h]++;
#ifdef BUG_UNOWNED_RW
		if	/* owned by others now: the legacy rw of an unowned set ends */
		:: vmode[h] == NONE && !UNOWNED_AT(rp[h]) -> acc[h] = NONE
		:: else -> skip
		fi;
#endif
		if
		:: ackpos[h] != 0 && rp[h] >= ackpos[h] -> ackpos[h] = 0
		:: else -> skip
		fi
	}
}

/*
 * h may raise its access to the grant its namespace shows (ownership.c
 * reconcile, recon_file): while its kernel lease runs, never for a grant it
 * gave up or lost (gave), and only from a namespace replayed to at least the
 * master's log position at the last ack (BUG_STALE_NS drops that gate).
 */
#ifdef BUG_NOKFENCE
#define NOT_GIVEN_UP(h)	true
#else
#define NOT_GIVEN_UP(h)	(vep[h] > gave[h])
#endif
#ifdef BUG_STALE_NS
#define REPLAYED(h)	true
#else
#define REPLAYED(h)	(ackpos[h] == 0)	/* rp >= master's position at the ack */
#endif
#define MAY_RAISE(h) \
	(vmode[h] != NONE && acc[h] != vmode[h] && krem[h] > 0 && NOT_GIVEN_UP(h) && REPLAYED(h))

inline enable(h)
{
	d_step {
		MAY_RAISE(h) ->
#ifdef WITH_CACHE
		if
		:: acc[h] == NONE ->
#if defined(BUG_INVAL_AFTER)
			pinv[h] = 1
#elif defined(BUG_NO_INVAL)
			skip
#else
			if :: cv[h] != CN -> stale[h] = 1 :: else -> skip fi
#endif
		:: else -> skip
		fi;
#endif
		acc[h] = vmode[h]
	}
}

#ifdef WITH_RENAME
/* h's access to f once it left: only from h's own grant on f, as enable. */
inline enable_f(h)
{
	d_step { !vfin[h] && vf[h] && facc[h] != RW && krem[h] > 0 && REPLAYED(h) -> facc[h] = RW }
}
#endif

/*
 * famfs.peer.Grant(epoch) arrives at g, perhaps late (from a master deposed
 * since) or again. In the correct protocol it raises access only as the
 * log allows: it is a prompt to replay and then run enable, so enable
 * (which may run at any time, any number of times) is that message
 * delivered with any delay, any number of times, and the message needs no
 * state of its own. BUG_STALE_GRANT: the message, with its epoch, stays in
 * flight (keep = a duplicate is delivered later) and raises rw as
 * ownership.c h_peer_grant / do_grant did, without looking at the log.
 */
#ifdef BUG_STALE_GRANT
inline recv_grant(g, keep)
{
	d_step {
		gmsg[g] != 0 ->
		if
		:: krem[g] > 0 -> acc[g] = RW
		:: else -> skip
		fi;
		if
		:: !keep -> gmsg[g] = 0
		:: else -> skip
		fi
	}
}
#endif

/*
 * Revoke (on the master's request), release, or a holder-first handoff (the
 * holder revokes before it forwards its own client's call, whose
 * holder_revoked + holder_epoch is this ack): drop access, flush, ack
 * naming the grant epoch. The ack is a message that stays in flight (it may
 * be delivered again: a retry or a duplicate). gave: never raise that grant
 * again. (ownership.c revoke_step, do_revoke; hostlease.c release_lost;
 * handoff.c hfirst_start, hfirst_give_up, holder_revoked)
 */
inline giveup(h)
{
	d_step {
		vmode[h] != NONE && ackm[h] != vep[h] ->
		acc[h] = NONE;
#if defined(WITH_CACHE) && !defined(BUG_NO_WRITEBACK)
		WB(h);
#endif
		if
		:: vep[h] > gave[h] -> gave[h] = vep[h]
		:: else -> skip
		fi;
		ackm[h] = vep[h]
	}
}

/*
 * famfsd on host h (not a live master) is killed and restarts; the kernel
 * module keeps its access and lease. famfsd reads the log to its end (from
 * the newest checkpoint: the records of the model's log are all replayed
 * at once) and treats every grant the log holds now as lost (hostlease.c
 * famfsd_hostlease_started). BUG_RESTART_KEEPS: as the code does while the
 * module lease still runs, it keeps them (famfsd_hostlease_mounted).
 * A master's own restart is crash() followed by this once its lease ended.
 */
inline restart(h)
{
	d_step {
		!IS_MASTER(h) ->
		role[h] = FOLLOWER; opk[h] = OP_NONE;
		rp[h] = llen; vmode[h] = grant[h]; vep[h] = gep[h]; ackpos[h] = 0;
#ifdef WITH_RENAME
		vfin[h] = fin; vf[h] = (fown == h + 1);
#endif
#ifdef BUG_RESTART_KEEPS
		if
		:: krem[h] > 0 -> gave[h] = 0
		:: else -> gave[h] = gepoch
		fi
#else
		gave[h] = gepoch
#endif
	}
}

#ifdef BUG_UNOWNED_RW
/* Legacy rule: a data set nobody owns (in h's namespace) is rw for h. */
inline unowned_rw(h)
{
	d_step {
		krem[h] > 0 && acc[h] != RW && UNOWNED_AT(rp[h]) -> acc[h] = RW
	}
}
#endif

proctype host(byte h)
{
end:	do
	:: become_master(h)
	:: renew(h)
	:: crash(h)
	:: plan_grant(h, 1)
	:: plan_grant(h, 2)
	:: plan_release(h, 1)
	:: plan_release(h, 2)
	:: plan_handoff(h, 1, 2)
	:: plan_handoff(h, 2, 1)
#ifdef BUG_SPLIT_HANDOFF
	:: plan_hgrant(h)
#endif
#ifdef WITH_RENAME
	:: plan_rename(h)
	:: plan_fgrant(h, 1)
	:: plan_fgrant(h, 2)
	:: h > 0 -> enable_f(h)
#endif
#ifdef WITH_RO
	:: h > 0 -> forge(h, 3 - h)
	:: recv_fwd(h)
#endif
	:: store(h)
	:: heartbeat(h, 1)
	:: heartbeat(h, 2)
	/* the data-set users: hosts 1 and 2 (host 1 may also be master) */
	:: h > 0 -> acquire(h)
	:: h > 0 -> replay(h)
	:: h > 0 -> enable(h)
	:: h > 0 -> giveup(h)
#ifdef WITH_CACHE
	:: h > 0 -> cwrite(h)
	:: h > 0 -> cread(h)
	:: h > 0 -> evict(h)
#ifdef BUG_INVAL_AFTER
	:: h > 0 -> late_inval(h)
#endif
#endif
#ifndef NO_RESTART
	:: h > 0 -> restart(h)
#endif
#ifdef BUG_STALE_GRANT
	:: h > 0 -> recv_grant(h, 0)
	:: h > 0 -> recv_grant(h, 1)
#endif
#ifdef BUG_UNOWNED_RW
	:: h > 0 -> unowned_rw(h)
#endif
	od
}


/*
 * Once every host has replayed the first record, drop it: what it did is in
 * each host's namespace and in grant/gep (a checkpoint). Only merges states.
 */
hidden byte ci;
inline compact()
{
	if
	:: llen > 0 && rp[1] > 0 && rp[2] > 0 ->
		ci = 0;
		do
		:: ci + 1 < llen -> lrec[ci] = lrec[ci + 1]; ci++
		:: else -> break
		od;
		lrec[llen - 1] = 0;
		llen--;
		rp[1]--; rp[2]--;
		if :: ackpos[0] > 0 -> ackpos[0]-- :: else -> skip fi;
		if :: ackpos[1] > 0 -> ackpos[1]-- :: else -> skip fi;
		if :: ackpos[2] > 0 -> ackpos[2]-- :: else -> skip fi
	:: else -> skip
	fi
}

inline tick(h)
{
	DEC(mrem[h]); DEC(krem[h]); DEC(view[h]);
	if	/* self-fencing: the module drops access; famfsd marks the grant lost */
	:: krem[h] == 0 ->
		acc[h] = NONE;
#if defined(WITH_CACHE) && !defined(BUG_NO_WRITEBACK)
		WB(h);
#endif
#ifdef WITH_RENAME
		facc[h] = NONE;
#endif
		if
		:: vmode[h] != NONE && vep[h] > gave[h] -> gave[h] = vep[h]
		:: else -> skip
		fi
	:: else -> skip
	fi;
	if
	:: role[h] == MASTER && mrem[h] == 0 ->
#ifdef BUG_SPLIT_HANDOFF
		handoff_atomic = (hs[h] == 0);	/* not left half committed */
		assert(handoff_atomic);
#endif
		role[h] = FOLLOWER
	:: else -> skip
	fi;
	if	/* a store after the lease faults: a pending one changes nothing */
	:: mrem[h] == 0 -> opk[h] = OP_NONE; oph[h] = 0; opb[h] = 0; hs[h] = 0
	:: else -> skip
	fi;
	if	/* gave blocks no grant h can still see: all later ones are newer */
	:: gave[h] != 0 && rp[h] == llen && (vmode[h] == NONE || vep[h] > gave[h]) -> gave[h] = 0
	:: else -> skip
	fi;
#ifndef BUG_RETRY_NOID
	if	/* an ack of an ended grant can never match again */
	:: ackm[h] != 0 && ackm[h] != gep[h] -> ackm[h] = 0
	:: else -> skip
	fi;
#endif
	skip
}

#ifdef BUG_UNOWNED_RW
/* the legacy claim: exclusion only where some host holds a committed grant */
#define PAIR_OK(a, b)	(!CONFL(EFF(a), EFF(b)) || NOBODY_OWNS)
#else
#define PAIR_OK(a, b)	(!CONFL(EFF(a), EFF(b)))
#endif
#ifdef WITH_RENAME
/* f too: never two hosts that can write it, inside the data set or out */
#define F_OK		(!CONFL(FEFF(1), FEFF(2)))
#else
#define F_OK		true
#endif
#define ACCESS_OK	(PAIR_OK(0, 1) && PAIR_OK(0, 2) && PAIR_OK(1, 2) && F_OK)
#define GRANTS_OK \
	(!CONFL(grant[0], grant[1]) && !CONFL(grant[0], grant[2]) && \
	 !CONFL(grant[1], grant[2]))
/*
 * Stronger, and failing sooner: a host touches the data set only while the
 * log holds its grant (in the mode it uses). The legacy rule of
 * BUG_UNOWNED_RW gives access without a grant by design: not checked there.
 */
#if defined(BUG_UNOWNED_RW) || defined(NO_COVER)
#define COVERED(h)	true
#else
#define COVERED(h)	(EFF(h) == NONE || EFF(h) == grant[h])
#endif
#define COVER_OK	(COVERED(1) && COVERED(2))
#define INVARIANT	(ACCESS_OK && GRANTS_OK && COVER_OK)

#endif /* OWNERSHIP */

/* ====================================================================== */

/*
 * One tick: time passes whatever the hosts do (a stopped host does nothing
 * meanwhile); every deadline left goes down by one, then what ran out takes
 * effect.
 */
active proctype clock()
{
end:	do
	:: d_step {
		tick(0); tick(1); tick(2);
#ifdef OWNERSHIP
		compact(); compact(); compact(); compact();
		if	/* only the live master's view matters */
		:: mrem[0] == 0 && mrem[1] == 0 && mrem[2] == 0 ->
			view[0] = 0; view[1] = 0; view[2] = 0
		:: else -> skip
		fi
#endif
	   }
	od
}

/* Checked in every reachable state (hidden: not part of the state). */
#ifdef ELECTION
hidden byte one_live_master;
active proctype monitor()
{
end:	d_step {
		!INVARIANT ->
		one_live_master = ONE_MASTER;
		assert(one_live_master)		/* no two log writers at once */
	}
}
#else
hidden byte local_access_exclusive, grants_exclusive, access_covered_by_grant;
active proctype monitor()
{
end:	d_step {
		!INVARIANT ->
		local_access_exclusive = ACCESS_OK;	/* one rw, or only ro */
		grants_exclusive = GRANTS_OK;		/* committed grants: the same */
		access_covered_by_grant = COVER_OK;
		assert(local_access_exclusive);
		assert(grants_exclusive);
		assert(access_covered_by_grant)
	}
}
#endif

init
{
	atomic { run host(0); run host(1); run host(2) }
}
