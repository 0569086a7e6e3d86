/*
 * famfs: lease, master election, log fencing and ownership handoff.
 * A Promela model for spin; docs/model.md explains it, tests/model/run.sh
 * checks it.
 *
 *   N hosts (3) elect a master by majority lease votes over epochs,
 *   the master appends to a log in shared memory (header epoch + epoch of the
 *   last record), and commits OWNER grants of one data set; hosts hold a
 *   kernel-enforced host lease (self-fencing) and enable local access from
 *   their committed grant.
 *
 * Style: one process per host whose do-loop holds every step that host can
 * take, each step one d_step (one indivisible transition), plus a clock and
 * a monitor. A host that is SIGSTOPped is a host whose steps the scheduler
 * does not pick while the clock runs on; a partition is a message that is
 * never delivered (every message may stay in flight forever, and a newer
 * message of the same kind replaces it). Multi-step operations keep their
 * progress in global arrays, so a host can be paused between any two steps.
 *
 * Broken variants (compile with spin -DNAME, each must produce a
 * counterexample; run.sh checks that):
 *   BUG_NOFENCE    log stores are not fenced by the kernel's lease on the log
 *                  mapping (user-space mapping mode): a master paused between
 *                  its lease/header check and its store writes in an old epoch
 *   BUG_DRIFT      master lease longer than the granters' promise (clock drift
 *                  beyond the margin): two masters at once
 *   BUG_NOWAIT     master releases a holder's grant without its revoke ack
 *                  and without waiting for its host lease to expire
 *   BUG_LATEFENCE  a host's kernel lease outlasts the master's view of it
 *                  (self-fencing too late)
 *   BUG_NOKFENCE   a host re-enables a grant it has already acked as revoked
 *   BUG_NOHDR      (with BUG_DRIFT) no header-epoch check before appends
 */

#define N	3
#ifndef MAXE
#define MAXE	3	/* highest epoch */
#endif
#ifndef TMAX
#define TMAX	7	/* clock bound: time stops at TMAX */
#endif
#ifndef MAXG
#define MAXG	3	/* highest grant epoch of the data set */
#endif

#define LP	2	/* granter's promise, from when it granted */
#ifdef BUG_DRIFT
#define LM	3
#else
#define LM	2	/* master lease, from before it sent the requests: LM <= LP */
#endif
#define LH	2	/* master's view of a host lease, from when it got the heartbeat */
#ifdef BUG_LATEFENCE
#define LK	3
#else
#define LK	2	/* host's kernel lease, from when it sent the heartbeat: LK <= LH */
#endif

#define NONE	0
#define RO	1
#define RW	2

#define FOLLOWER	0
#define CANDIDATE	1
#define MASTER		2

#define OP_NONE		0
#define OP_TAKEOVER	1
#define OP_GRANT	2
#define OP_RELEASE	3

byte now;				/* the (real-time) clock */

/* lease votes: each host's promise as a granter */
byte pe[N];				/* promised epoch */
byte pto[N];				/* promised to (candidate) */
byte pexp[N];				/* promise expires at */

/* each host as candidate / master */
byte role[N];
byte ep[N];				/* its epoch */
byte rexp[N];				/* lease end if this round wins: start + LM */
byte votes[N];				/* bit mask of votes in this round */
byte mexp[N];				/* master lease (and its log fence) expires at */
bool tk[N];				/* takeover (header epoch bump) pending */
bool vreq[N*N];				/* [c*N+h] vote request c -> h in flight */
bool vrep[N*N];				/* [c*N+h] vote (grant) h -> c in flight */

/* the log in shared memory */
byte hdr_epoch;				/* header's master epoch */
byte last_epoch;			/* epoch of the last record */

/* a master's pending log write: checked, not yet stored */
byte opk[N];
byte oph[N];

/* the data set: committed OWNER records (replayed state of the log) */
byte grant[N];				/* mode */
byte ghe[N];				/* grant epoch of that record */
byte gepoch;				/* highest grant epoch so far */
byte want[N];				/* acquire request of host (to the master) */
byte rack[N];				/* revoke / release ack: grant epoch given up */

/* host leases */
byte mhexp[N*N];			/* [c*N+h] master c's view of host h's lease */
bool hb[N];				/* heartbeat in flight */
byte hbexp[N];				/* ... sent at: kernel lease end it may give */
bool hack[N];				/* heartbeat ack in flight */
byte ackexp[N];				/* ... carrying hbexp of its heartbeat */

/* each host's kernel module */
byte acc[N];				/* local access mode to the data set */
byte kexp[N];				/* kernel (host) lease expires at */
byte kfence[N];				/* highest grant epoch given up */

#define IS_MASTER(c)	(role[c] == MASTER && now < mexp[c])
#define NEXTE(h)	((pe[h] > hdr_epoch -> pe[h] : hdr_epoch) + 1)
#define MAJ(v)		(((v) & 1) + (((v) >> 1) & 1) + (((v) >> 2) & 1) >= 2)
#define EFF(h)		(now < kexp[h] -> acc[h] : NONE)	/* what h can touch */
#define CONFL(a, b)	(((a) == RW && (b) != NONE) || ((b) == RW && (a) != NONE))

#ifdef BUG_NOHDR
#define HDR_OK(c)	true
#else
#define HDR_OK(c)	(hdr_epoch <= ep[c])
#endif
#ifdef BUG_NOFENCE
#define FENCE_OK(c)	true
#else
#define FENCE_OK(c)	(now < mexp[c])	/* the kernel revokes the log mapping at mexp */
#endif
#ifdef BUG_NOWAIT
#define MAY_RELEASE(c, a)	true
#else
#define MAY_RELEASE(c, a)	(rack[a] == ghe[a] || now >= mhexp[(c)*N + (a)])
#endif
#ifdef BUG_NOKFENCE
#define NOT_REVOKED(h)	true
#else
#define NOT_REVOKED(h)	(ghe[h] > kfence[h])
#endif

/* Host h grants a lease vote for (E, c)? */
#define GRANT_OK(h, c, E) \
	(((E) > pe[h] && (now >= pexp[h] || pto[h] == (c))) || \
	 ((E) == pe[h] && pto[h] == (c)))

/* Mode m for host g conflicts with no committed grant of another host. */
#define FREE_FOR(g, m) \
	(((g) == 0 || !CONFL(m, grant[0])) && \
	 ((g) == 1 || !CONFL(m, grant[1])) && \
	 ((g) == 2 || !CONFL(m, grant[2])))

/* --- election ------------------------------------------------------ */

/* h (not a live master) runs for epoch max(promised, seen) + 1, voting for itself. */
inline start_election(h)
{
	d_step {
		!IS_MASTER(h) && opk[h] == OP_NONE && NEXTE(h) <= MAXE &&
		GRANT_OK(h, h, NEXTE(h)) ->
		ep[h] = NEXTE(h);
		pe[h] = ep[h]; pto[h] = h; pexp[h] = now + LP;
		role[h] = CANDIDATE; tk[h] = 0;
		rexp[h] = now + LM;		/* lease counted from before the requests */
		votes[h] = 1 << h;
		vreq[h*N + 0] = (h != 0); vrep[h*N + 0] = 0;
		vreq[h*N + 1] = (h != 1); vrep[h*N + 1] = 0;
		vreq[h*N + 2] = (h != 2); vrep[h*N + 2] = 0
	}
}

/* A live master renews: same vote request, same epoch, new round. */
inline renew(h)
{
	d_step {
		IS_MASTER(h) ->
		assert(pe[h] == ep[h] && pto[h] == h);
		pexp[h] = now + LP;
		rexp[h] = now + LM;
		votes[h] = 1 << h;
		vreq[h*N + 0] = (h != 0); vrep[h*N + 0] = 0;
		vreq[h*N + 1] = (h != 1); vrep[h*N + 1] = 0;
		vreq[h*N + 2] = (h != 2); vrep[h*N + 2] = 0
	}
}

/* Granter h receives c's vote request (a denial is simply no reply). */
inline grant_vote(h, c)
{
	d_step {
		vreq[c*N + h] ->
		vreq[c*N + h] = 0;
		if
		:: GRANT_OK(h, c, ep[c]) ->
			pe[h] = ep[c]; pto[h] = c; pexp[h] = now + LP;
			vrep[c*N + h] = 1
		:: else -> skip
		fi
	}
}

/*
 * Candidate / master h receives g's vote. Replies of an older round were
 * dropped when the round started (the implementation tags rounds).
 */
inline recv_vote(h, g)
{
	d_step {
		vrep[h*N + g] ->
		vrep[h*N + g] = 0;
		if
		:: role[h] != FOLLOWER -> votes[h] = votes[h] | (1 << g)
		:: else -> skip
		fi;
		if
		:: role[h] == CANDIDATE && now < rexp[h] && MAJ(votes[h]) ->
			role[h] = MASTER;
			mexp[h] = rexp[h];
			tk[h] = 1;
			/* it does not know the old master's view: assume every host
			 * lease may run for a full period from now */
			mhexp[h*N + 0] = now + LH;
			mhexp[h*N + 1] = now + LH;
			mhexp[h*N + 2] = now + LH
		:: IS_MASTER(h) && MAJ(votes[h]) && mexp[h] < rexp[h] ->
			mexp[h] = rexp[h]
		:: else -> skip
		fi
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

/* --- log writes: check (lease + header), then the fenced store ------- */

inline plan_takeover(h)
{
	d_step {
		IS_MASTER(h) && tk[h] && opk[h] == OP_NONE && HDR_OK(h) ->
		opk[h] = OP_TAKEOVER
	}
}

/* Master h commits OWNER(g, want[g], gepoch + 1) if nobody conflicts. */
inline plan_grant(h, g)
{
	d_step {
		IS_MASTER(h) && !tk[h] && opk[h] == OP_NONE && HDR_OK(h) &&
		want[g] != NONE && grant[g] == NONE && gepoch < MAXG &&
		FREE_FOR(g, want[g]) ->
		opk[h] = OP_GRANT; oph[h] = g
	}
}

/* Master h commits OWNER(a, none): a acked the revoke, or a's lease expired. */
inline plan_release(h, a)
{
	d_step {
		IS_MASTER(h) && !tk[h] && opk[h] == OP_NONE && HDR_OK(h) &&
		grant[a] != NONE && MAY_RELEASE(h, a) ->
		opk[h] = OP_RELEASE; oph[h] = a
	}
}

/*
 * The store (record + header). It is a separate step from the check: the
 * master may be stopped in between. The kernel's lease on the log mapping
 * (= the master lease) fences it: a store after mexp faults and is lost.
 */
inline store(h)
{
	d_step {
		opk[h] != OP_NONE ->
		if
		:: FENCE_OK(h) ->
			/* no write in an old epoch */
			assert(ep[h] >= hdr_epoch);
			assert(ep[h] >= last_epoch);
			last_epoch = ep[h];
			hdr_epoch = ep[h];
			if
			:: opk[h] == OP_TAKEOVER -> tk[h] = 0
			:: opk[h] == OP_GRANT ->
				gepoch++;
				grant[oph[h]] = want[oph[h]];
				ghe[oph[h]] = gepoch;
				want[oph[h]] = NONE
			:: opk[h] == OP_RELEASE ->
				grant[oph[h]] = NONE
			fi
		:: else -> skip
		fi;
		opk[h] = OP_NONE; oph[h] = 0
	}
}

/* --- host leases ----------------------------------------------------- */

inline hb_send(h)
{
	d_step { !hb[h] -> hb[h] = 1; hbexp[h] = now + LK }
}

/* Master h receives host g's heartbeat (after receipt, while its lease holds). */
inline hb_recv(h, g)
{
	d_step {
		IS_MASTER(h) && hb[g] ->
		hb[g] = 0;
		if
		:: mhexp[h*N + g] < now + LH -> mhexp[h*N + g] = now + LH
		:: else -> skip
		fi;
		hack[g] = 1; ackexp[g] = hbexp[g]
	}
}

/* Host h gets the ack: its kernel lease runs from when it sent the heartbeat. */
inline hb_ack(h)
{
	d_step {
		hack[h] ->
		hack[h] = 0;
		if
		:: now >= kexp[h] -> acc[h] = NONE	/* lapsed: the kernel dropped access */
		:: else -> skip
		fi;
		if
		:: kexp[h] < ackexp[h] -> kexp[h] = ackexp[h]
		:: else -> skip
		fi
	}
}

/* --- ownership, host side -------------------------------------------- */

inline acquire(h)
{
	if
	:: d_step { grant[h] == NONE && want[h] == NONE && gepoch < MAXG -> want[h] = RO }
	:: d_step { grant[h] == NONE && want[h] == NONE && gepoch < MAXG -> want[h] = RW }
	fi
}

/* Replay: enable the committed grant locally (the kernel checks its lease). */
inline enable(h)
{
	d_step {
		grant[h] != NONE && acc[h] == NONE && NOT_REVOKED(h) && now < kexp[h] ->
		acc[h] = grant[h]
	}
}

/* Revoke (on the master's request) or release: drop access, flush, ack. */
inline release(h)
{
	d_step {
		grant[h] != NONE && rack[h] != ghe[h] ->
		acc[h] = NONE;
		kfence[h] = ghe[h];
		rack[h] = ghe[h]
	}
}

proctype host(byte h)
{
end:	do
	:: start_election(h)
	:: renew(h)
	:: grant_vote(h, 0)
	:: grant_vote(h, 1)
	:: grant_vote(h, 2)
	:: recv_vote(h, 0)
	:: recv_vote(h, 1)
	:: recv_vote(h, 2)
	:: step_down(h)
	:: plan_takeover(h)
	:: plan_grant(h, 0)
	:: plan_grant(h, 1)
	:: plan_grant(h, 2)
	:: plan_release(h, 0)
	:: plan_release(h, 1)
	:: plan_release(h, 2)
	:: store(h)
#ifndef NO_OWNERSHIP
	:: hb_send(h)
	:: hb_recv(h, 0)
	:: hb_recv(h, 1)
	:: hb_recv(h, 2)
	:: hb_ack(h)
	:: acquire(h)
	:: enable(h)
	:: release(h)
#endif
	od
}

/* Time passes whatever the hosts do (a paused host does nothing meanwhile). */
/*
 * Time passes whatever the hosts do (a paused host does nothing meanwhile).
 * After each tick, values that can no longer matter are canonicalised (an
 * expired deadline is 0, a lapsed master or a candidate whose round can no
 * longer win is a follower, a lapsed kernel lease has no access): this only
 * merges states that no step can tell apart.
 */
#define EXPIRE(x)	if :: x <= now -> x = 0 :: else -> skip fi

inline normalise(h)
{
	EXPIRE(pexp[h]); EXPIRE(rexp[h]); EXPIRE(mexp[h]);
	EXPIRE(hbexp[h]); EXPIRE(ackexp[h]);
	if
	:: kexp[h] <= now -> kexp[h] = 0; acc[h] = NONE	/* self-fencing */
	:: else -> skip
	fi;
	if
	:: (role[h] == MASTER && mexp[h] == 0) || (role[h] == CANDIDATE && rexp[h] == 0) ->
		role[h] = FOLLOWER; votes[h] = 0; tk[h] = 0;
		vrep[h*N + 0] = 0; vrep[h*N + 1] = 0; vrep[h*N + 2] = 0;
		mhexp[h*N + 0] = 0; mhexp[h*N + 1] = 0; mhexp[h*N + 2] = 0
	:: else -> skip
	fi;
	EXPIRE(mhexp[h*N + 0]); EXPIRE(mhexp[h*N + 1]); EXPIRE(mhexp[h*N + 2])
}

active proctype clock()
{
end:	do
	:: d_step { now < TMAX -> now++; normalise(0); normalise(1); normalise(2) }
	od
}

#define ONE_MASTER \
	(!(IS_MASTER(0) && IS_MASTER(1)) && !(IS_MASTER(0) && IS_MASTER(2)) && \
	 !(IS_MASTER(1) && IS_MASTER(2)))
#define ACCESS_OK \
	(!CONFL(EFF(0), EFF(1)) && !CONFL(EFF(0), EFF(2)) && !CONFL(EFF(1), EFF(2)))
#define GRANTS_OK \
	(!CONFL(grant[0], grant[1]) && !CONFL(grant[0], grant[2]) && \
	 !CONFL(grant[1], grant[2]))
#define COVERED(h)	(EFF(h) == NONE || EFF(h) == grant[h])
#define INVARIANT \
	(ONE_MASTER && ACCESS_OK && GRANTS_OK && COVERED(0) && COVERED(1) && COVERED(2))

/* Checked in every reachable state. */
active proctype monitor()
{
end:	d_step { !INVARIANT -> assert(ONE_MASTER); assert(ACCESS_OK);
		 assert(GRANTS_OK); assert(COVERED(0) && COVERED(1) && COVERED(2)) }
}

init
{
	atomic {
		run host(0); run host(1); run host(2)
	}
}
