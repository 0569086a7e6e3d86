/*
 * famfs: lease, master election, log fencing and ownership handoff.
 * A Promela model for spin; docs/model.md explains it, tests/model/run.sh
 * checks it.
 *
 * Two parts, chosen at spin time (spin -DELECTION / spin -DOWNERSHIP -a famfs.pml):
 *
 *   ELECTION   N = 3 hosts elect a master by majority lease votes over
 *              epochs, renew, may be stopped at any point, lose messages;
 *              the master bumps the log header epoch and appends records to
 *              the log in shared memory (check lease + header, then a store
 *              fenced by the kernel's lease on the log mapping).
 *              Checks: at most one live master at any time, masters' epochs
 *              strictly increase, no record is written in an old epoch.
 *   OWNERSHIP  The same log writes and master takeovers, with the election
 *              replaced by what ELECTION proves of it (a new master only
 *              after every earlier master's lease ended, with a higher
 *              epoch), plus host leases (heartbeats, kernel self-fencing),
 *              OWNER grants of one data set, revoke/release acks, handoff.
 *              Checks: never two hosts with local rw access, never rw + ro
 *              at once, the same for committed grants, every local access
 *              is covered by the host's committed grant; no old-epoch write.
 *
 * Time is relative: every deadline is kept as the number of ticks left,
 * and the clock process decrements them all at once. There is no bound on
 * time, and states that differ only by "when" are the same state; the state
 * space is finite because epochs (MAXE) and grant epochs (MAXG) are bounded.
 * All clocks run at the same rate; drift is folded into the margins
 * (LM <= LP, LK <= LH) and BUG_DRIFT / BUG_LATEFENCE show what happens when
 * it exceeds them.
 *
 * Style: one process per host whose do-loop holds every step that host can
 * take, each step one d_step (one indivisible transition), plus a clock and
 * a monitor. A host that is SIGSTOPped is a host whose steps the scheduler
 * does not pick while the clock runs on; a partition is a message that is
 * never delivered (every message may stay in flight forever, and a newer
 * message of the same kind replaces it). Multi-step operations keep their
 * progress in global arrays, so a host can be paused between any two steps.
 *
 * Broken variants (spin -DBUG_..., each must produce a counterexample;
 * run.sh checks that):
 *   BUG_NOFENCE    log stores are not fenced by the kernel's lease on the log
 *                  mapping (user-space mapping mode): a master stopped between
 *                  its lease/header check and its store writes in an old epoch
 *   BUG_DRIFT      master lease longer than the granters' promise (clock drift
 *                  beyond the margin): two masters at once    [ELECTION]
 *   BUG_NOHDR      no header-epoch check before appends (with BUG_DRIFT)
 *   BUG_NOWAIT     master releases a holder's grant without its revoke ack
 *                  and without waiting for its host lease   [OWNERSHIP]
 *   BUG_LATEFENCE  a host's kernel lease outlasts the master's view of it
 *                  (self-fencing too late)                  [OWNERSHIP]
 *   BUG_NOKFENCE   a host re-enables a grant it has already given up
 *                                                           [OWNERSHIP]
 *   BUG_REACK      master renews the lease of a host it saw expire before
 *                  it committed the release of its grants   [OWNERSHIP]
 * With -DNO_COVER the "access covered by a grant" check is off, so an
 * OWNERSHIP variant runs on until two hosts really share rw access.
 * Bounds: -DMAXE=, -DMAXG=, -DMASTERS= (defaults below).
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
#define MAXG	2	/* OWNERSHIP: number of OWNER grants (grant epochs) */
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
#define OP_APPEND	2
#define OP_GRANT	3
#define OP_RELEASE	4

byte top;				/* highest epoch any master had so far */

/* the log in shared memory */
byte hdr_epoch;				/* header's master epoch */
byte last_epoch;			/* epoch of the last record */

/* each host as candidate / master */
byte role[N];
byte ep[N];				/* its epoch */
byte mrem[N];				/* master lease (= its log fence) left */
bool tk[N];				/* takeover (header epoch bump) pending */
byte opk[N];				/* pending log write: checked, not yet stored */
byte oph[N];				/* ... for this host (grant / release) */

#ifdef ELECTION
/* lease votes: each host's promise as a granter */
byte pe[N];				/* promised epoch */
byte pto[N];				/* promised to (candidate) */
byte prem[N];				/* promise left */
byte rrem[N];				/* lease the current round gives if it wins */
byte votes[N];				/* bit mask of votes in this round */
bool vreq[N*N];				/* [c*N+h] vote request c -> h in flight */
#endif

#ifdef OWNERSHIP
/* the data set: committed OWNER records (replayed state of the log) */
byte grant[N];				/* mode */
byte gepoch;				/* grant epoch of the last OWNER grant */
byte want[N];				/* acquire request of host (to the master) */
bool gaveup[N];				/* host gave its current grant up (and acked) */

/* host leases */
byte view[N];				/* the live master's view of h's lease, left */

/* each host's kernel module */
byte acc[N];				/* local access mode to the data set */
byte krem[N];				/* kernel (host) lease left */
#endif

#define IS_MASTER(c)	(role[c] == MASTER && mrem[c] > 0)
#define MAJ(v)		(((v) & 1) + (((v) >> 1) & 1) + (((v) >> 2) & 1) >= 2)

#ifdef BUG_NOHDR
#define HDR_OK(c)	true
#else
#define HDR_OK(c)	(hdr_epoch <= ep[c])
#endif
#ifdef BUG_NOFENCE
#define FENCE_OK(c)	true
#else
#define FENCE_OK(c)	(mrem[c] > 0)	/* the kernel revokes the log mapping then */
#endif

/* ---------------------------------------------------------------------- */
#ifdef ELECTION

#define NEXTE(h)	((pe[h] > hdr_epoch -> pe[h] : hdr_epoch) + 1)

/* Host h grants a lease vote for (E, c)? */
#define GRANT_OK(h, c, E) \
	(((E) > pe[h] && (prem[h] == 0 || pto[h] == (c))) || \
	 ((E) == pe[h] && pto[h] == (c)))

/* h (not a live master) runs for epoch max(promised, seen) + 1, voting for itself. */
inline start_election(h)
{
	d_step {
		!IS_MASTER(h) && opk[h] == OP_NONE && NEXTE(h) <= MAXE &&
		GRANT_OK(h, h, NEXTE(h)) ->
		ep[h] = NEXTE(h);
		pe[h] = ep[h]; pto[h] = h; prem[h] = LP;
		role[h] = CANDIDATE; tk[h] = 0;
		rrem[h] = LM;			/* counted from before the requests */
		votes[h] = 1 << h;
		vreq[h*N + 0] = (h != 0);
		vreq[h*N + 1] = (h != 1);
		vreq[h*N + 2] = (h != 2)
	}
}

/* A live master renews: the same vote request, same epoch, a new round. */
inline renew(h)
{
	d_step {
		IS_MASTER(h) ->
#ifndef BUG_DRIFT	/* there it fails first: let the run show what follows */
		assert(pe[h] == ep[h] && pto[h] == h);	/* it still holds its own promise */
#endif
		prem[h] = LP;
		rrem[h] = LM;
		votes[h] = 1 << h;
		vreq[h*N + 0] = (h != 0);
		vreq[h*N + 1] = (h != 1);
		vreq[h*N + 2] = (h != 2)
	}
}

/*
 * Granter h receives c's vote request; a denial is no reply. A granted vote
 * is counted by c in the same step: c counts its lease from the start of
 * its round whenever the reply arrives, so counting it later could only
 * shorten what c may do, and a lost reply is a vote c never uses (see
 * docs/model.md). Replies of an older round are not counted (rounds are
 * tagged): a new round overwrites the requests in flight.
 */
inline grant_vote(h, c)
{
	d_step {
		vreq[c*N + h] ->
		vreq[c*N + h] = 0;
		if
		:: GRANT_OK(h, c, ep[c]) ->
			pe[h] = ep[c]; pto[h] = c; prem[h] = LP;
			if
			:: role[c] != FOLLOWER && rrem[c] > 0 ->
				votes[c] = votes[c] | (1 << h)
			:: else -> skip
			fi
		:: else -> skip
		fi;
		if
		:: role[c] == CANDIDATE && rrem[c] > 0 && MAJ(votes[c]) ->
			assert(ep[c] > top);	/* masters' epochs strictly increase */
			top = ep[c];
			role[c] = MASTER;
			mrem[c] = rrem[c];
			tk[c] = 1
		:: IS_MASTER(c) && rrem[c] > 0 && MAJ(votes[c]) ->
			if
			:: mrem[c] < rrem[c] -> mrem[c] = rrem[c]
			:: else -> skip
			fi
		:: role[c] == CANDIDATE && !(rrem[c] > 0 && MAJ(votes[c])) &&
		   !vreq[c*N + 0] && !vreq[c*N + 1] && !vreq[c*N + 2] ->
			role[c] = FOLLOWER; votes[c] = 0	/* lost this round */
		:: else -> skip
		fi
	}
}

#define TAKEN_OVER(c)	skip

/* ---------------------------------------------------------------------- */
#else /* OWNERSHIP: the election as ELECTION checks it behaves */

/*
 * h becomes master of a new, higher epoch, only once every earlier master's
 * lease ended. It does not know the old master's view of the host leases:
 * it assumes any host lease may run a full period from now.
 */
inline become_master(h)
{
	d_step {
		h < MASTERS && top < MAXE && opk[h] == OP_NONE &&
		!IS_MASTER(0) && !IS_MASTER(1) && !IS_MASTER(2) ->
		top++;
		ep[h] = top;
		role[h] = MASTER;
		mrem[h] = LM;
		tk[h] = 1;
		view[0] = LH; view[1] = LH; view[2] = LH
	}
}

/* A renewal round that started now and won. */
inline renew(h)
{
	d_step { IS_MASTER(h) && mrem[h] < LM -> mrem[h] = LM }
}

#define CONFL(a, b)	(((a) == RW && (b) != NONE) || ((b) == RW && (a) != NONE))
#define EFF(h)		(krem[h] > 0 -> acc[h] : NONE)	/* what h can touch */

#ifdef BUG_NOWAIT
#define MAY_RELEASE(c, a)	true
#else
#define MAY_RELEASE(c, a)	(gaveup[a] || view[a] == 0)
#endif
#ifdef BUG_NOKFENCE
#define NOT_REVOKED(h)	true
#else
#define NOT_REVOKED(h)	(!gaveup[h])
#endif

/* Mode m for host g conflicts with no committed grant of another host. */
#define FREE_FOR(g, m) \
	(((g) == 0 || !CONFL(m, grant[0])) && \
	 ((g) == 1 || !CONFL(m, grant[1])) && \
	 ((g) == 2 || !CONFL(m, grant[2])))

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

/*
 * Master h commits OWNER(a, none): a acked the revoke (or released), or
 * a's host lease expired in h's view. The handoff A -> B is: B wants rw,
 * A gives up (release below, on the master's revoke request), A's ack
 * arrives, plan_release(A) + store, then plan_grant(B) + store.
 */
inline plan_release(h, a)
{
	d_step {
		IS_MASTER(h) && !tk[h] && opk[h] == OP_NONE && HDR_OK(h) &&
		grant[a] != NONE && MAY_RELEASE(h, a) ->
		opk[h] = OP_RELEASE; oph[h] = a
	}
}

/* --- host leases --- */

/*
 * Host g heartbeats to master h, h acks, g's kernel module extends its
 * lease: one step. g counts its kernel lease from before it sent the
 * heartbeat and h its view from receipt, so with messages in flight g's
 * kernel lease could only be shorter; giving g the longest one
 * over-approximates what g can touch (docs/model.md). A lost heartbeat or
 * ack is one that is never taken.
 * A host whose lease h saw expire while it still holds grants is not
 * renewed until h has committed OWNER(g, none): otherwise g could come back
 * and re-enable its old grant between h's check and h's commit of the
 * release (BUG_REACK).
 */
#ifdef BUG_REACK
#define ACK_OK(g)	true
#else
#define ACK_OK(g)	(view[g] > 0 || grant[g] == NONE)
#endif

inline heartbeat(h, g)
{
	d_step {
		IS_MASTER(h) && ACK_OK(g) && (view[g] < LH || krem[g] < LK) ->
		view[g] = LH;
		if
		:: krem[g] < LK -> krem[g] = LK
		:: else -> skip
		fi
	}
}

/* --- ownership, host side --- */

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
		grant[h] != NONE && acc[h] == NONE && NOT_REVOKED(h) && krem[h] > 0 ->
		acc[h] = grant[h]
	}
}

/*
 * Revoke (on the master's request) or release: drop access, flush, ack.
 * gaveup[h] is both the ack the master sees (a lost ack is one the master
 * does not act on; the implementation tags acks with the grant epoch so an
 * old ack never counts for a newer grant) and the host's own memory that it
 * gave that grant up (so replaying the log does not enable it again).
 */
inline release(h)
{
	d_step {
		grant[h] != NONE && !gaveup[h] ->
		acc[h] = NONE;
		gaveup[h] = 1
	}
}

#endif /* OWNERSHIP */

/* ---------------------------------------------------------------------- */

/* A live master that sees a newer epoch in the header steps down. */
inline step_down(h)
{
	d_step {
		IS_MASTER(h) && hdr_epoch > ep[h] ->
		role[h] = FOLLOWER
	}
}

/* The first write of a new master bumps the header epoch. */
inline plan_takeover(h)
{
	d_step {
		IS_MASTER(h) && tk[h] && opk[h] == OP_NONE && HDR_OK(h) ->
		opk[h] = OP_TAKEOVER
	}
}

/* Master h appends some record (its content does not matter here). */
inline plan_append(h)
{
	d_step {
		IS_MASTER(h) && !tk[h] && opk[h] == OP_NONE && HDR_OK(h) ->
		opk[h] = OP_APPEND
	}
}

/*
 * The store (record + header). A separate step from the check (plan_*):
 * the master may be stopped in between. The kernel's lease on the log
 * mapping (the master lease) fences it: a store after that faults, is lost.
 */
inline store(h)
{
	d_step {
		opk[h] != OP_NONE ->
		if
		:: FENCE_OK(h) ->
			/* no write in an old epoch */
			assert(ep[h] >= hdr_epoch);	/* record epoch >= header epoch */
			assert(ep[h] >= last_epoch);	/* record epochs never decrease */
			last_epoch = ep[h];
			hdr_epoch = ep[h];
			if
			:: opk[h] == OP_TAKEOVER -> tk[h] = 0
			:: opk[h] == OP_APPEND -> skip
#ifdef OWNERSHIP
			:: opk[h] == OP_GRANT ->
				gepoch++;
				grant[oph[h]] = want[oph[h]];
				want[oph[h]] = NONE
			:: opk[h] == OP_RELEASE ->
				grant[oph[h]] = NONE;
				gaveup[oph[h]] = 0
#endif
			fi
		:: else -> skip
		fi;
		opk[h] = OP_NONE; oph[h] = 0
	}
}

proctype host(byte h)
{
end:	do
#ifdef ELECTION
	:: start_election(h)
	:: renew(h)
	:: grant_vote(h, 0)
	:: grant_vote(h, 1)
	:: grant_vote(h, 2)
	:: step_down(h)
	:: plan_takeover(h)
	:: plan_append(h)
	:: store(h)
#else
	:: become_master(h)
	:: renew(h)
	:: step_down(h)
	:: plan_takeover(h)
	:: plan_grant(h, 0)
	:: plan_grant(h, 1)
	:: plan_grant(h, 2)
	:: plan_release(h, 0)
	:: plan_release(h, 1)
	:: plan_release(h, 2)
	:: store(h)
	:: heartbeat(h, 0)
	:: heartbeat(h, 1)
	:: heartbeat(h, 2)
	:: acquire(h)
	:: enable(h)
	:: release(h)
#endif
	od
}

/*
 * One tick: time passes whatever the hosts do (a stopped host does nothing
 * meanwhile). Every deadline left goes down by one; then what has run out
 * takes effect: a master whose lease ran out, or a candidate whose round
 * can no longer win, is a follower; a host whose kernel lease ran out has
 * no access (self-fencing). Values no step can tell apart are zeroed.
 */
#define DEC(x)	if :: x > 0 -> x-- :: else -> skip fi

inline tick(h)
{
	DEC(mrem[h]);
#ifdef ELECTION
	DEC(prem[h]); DEC(rrem[h]);
	if
	:: (role[h] == MASTER && mrem[h] == 0) || (role[h] == CANDIDATE && rrem[h] == 0) ->
		role[h] = FOLLOWER; tk[h] = 0
	:: else -> skip
	fi;
	if
	:: rrem[h] == 0 -> votes[h] = 0
	:: else -> skip
	fi;
	if	/* a follower's epoch matters only to its requests and pending store */
	:: role[h] == FOLLOWER && opk[h] == OP_NONE &&
	   !vreq[h*N + 0] && !vreq[h*N + 1] && !vreq[h*N + 2] -> ep[h] = 0
	:: else -> skip
	fi
#else
	DEC(krem[h]); DEC(view[h]);
	if
	:: krem[h] == 0 -> acc[h] = NONE		/* self-fencing */
	:: else -> skip
	fi;
	if
	:: role[h] == MASTER && mrem[h] == 0 ->
		role[h] = FOLLOWER; tk[h] = 0
	:: else -> skip
	fi;
	if
	:: role[h] == FOLLOWER && opk[h] == OP_NONE -> ep[h] = 0
	:: else -> skip
	fi
#endif
}

active proctype clock()
{
end:	do
	:: d_step {
		tick(0); tick(1); tick(2);
#ifdef OWNERSHIP
		if	/* only the live master's view matters */
		:: !IS_MASTER(0) && !IS_MASTER(1) && !IS_MASTER(2) ->
			view[0] = 0; view[1] = 0; view[2] = 0
		:: else -> skip
		fi
#endif
	   }
	od
}

#define ONE_MASTER \
	(!(IS_MASTER(0) && IS_MASTER(1)) && !(IS_MASTER(0) && IS_MASTER(2)) && \
	 !(IS_MASTER(1) && IS_MASTER(2)))

#ifdef OWNERSHIP
#define ACCESS_OK \
	(!CONFL(EFF(0), EFF(1)) && !CONFL(EFF(0), EFF(2)) && !CONFL(EFF(1), EFF(2)))
#define GRANTS_OK \
	(!CONFL(grant[0], grant[1]) && !CONFL(grant[0], grant[2]) && \
	 !CONFL(grant[1], grant[2]))
#ifdef NO_COVER	/* let a broken variant run on to the exclusion failure itself */
#define COVERED(h)	true
#else
#define COVERED(h)	(EFF(h) == NONE || EFF(h) == grant[h])
#endif
#define INVARIANT \
	(ONE_MASTER && ACCESS_OK && GRANTS_OK && COVERED(0) && COVERED(1) && COVERED(2))
#else
#define ACCESS_OK	true
#define GRANTS_OK	true
#define COVERED(h)	true
#define INVARIANT	ONE_MASTER
#endif

/* Checked in every reachable state (hidden: not part of the state). */
hidden byte one_live_master, local_access_exclusive, grants_exclusive, access_covered_by_grant;

active proctype monitor()
{
end:	d_step {
		!INVARIANT ->
		one_live_master = ONE_MASTER;
		local_access_exclusive = ACCESS_OK;	/* one rw, or only ro */
		grants_exclusive = GRANTS_OK;		/* committed grants: the same */
		access_covered_by_grant = COVERED(0) && COVERED(1) && COVERED(2);
		assert(one_live_master);
		assert(local_access_exclusive);
		assert(grants_exclusive);
		assert(access_covered_by_grant)
	}
}

init
{
	atomic { run host(0); run host(1); run host(2) }
}
