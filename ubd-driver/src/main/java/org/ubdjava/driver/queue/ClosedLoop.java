package org.ubdjava.driver.queue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.ubdjava.driver.device.IoStatus;

/**
 * A closed loop on one disk: a caller's stream of requests kept {@code depth} deep, the next
 * request going out as one completes, as a fio job or a guest's queue runs. The caller says what
 * the requests are ({@link Source}); the loop does the rest: which slot each request takes, its
 * tag, the publishing, what happens when the ring has no room, when it is finished, and waking the
 * thread that waits for it. Nothing is allocated per request.
 *
 * <p>Who submits the next request, one of two ways:
 * <ul>
 * <li>{@link #fromCompletions}: the completion of a request, on the disk's I/O thread, asks the
 *     source for the next one and publishes it into that thread's ring, which picks it up in the
 *     same batch: nothing parks or wakes per request (a trace replay, a load generator). The
 *     owner thread only starts the loop ({@link #pump}) and takes it back in the rare case that the
 *     ring had no room while nothing of the loop was in flight ({@link #stalled}).</li>
 * <li>{@link #fromOwner}: the completion only hands the slot back; the owner thread submits each
 *     request, with the blocking {@link UbdDriver#submit} in {@link #step} as a front-end's
 *     threads do (a warm-up of a server's request path, a benchmark step), or with
 *     {@link #pump} when it must never block (a replay paced by the trace's clock).</li>
 * </ul>
 *
 * <p>Slot {@code n % depth} holds the n-th request: a disk completes its requests in the order they
 * were published, so the slots come back in the order they went out. A request may go as two
 * parts ({@link Requests#addPart}, then {@link Requests#add}): the source hears of it once, with
 * the first status that was not OK.
 *
 * <p>Threads: the source's {@link Source#next} runs on whoever submits: the I/O thread, or the
 * owner when nothing is in flight (start, stall) or in owner mode; its {@link Source#completed} on
 * the I/O thread. A publish orders a slot's fields before its completion; the volatile count of
 * completed requests orders a completion before its slot's reuse. Whatever a source throws in a
 * completion stops the loop ({@link #failure}); the I/O thread goes on serving other disks.
 */
public final class ClosedLoop implements Completion {
    /** What a source says when asked for the next request. */
    public enum Next {
        /** It added the request (one or more parts). */
        ADDED,
        /** Nothing now (not due yet, no buffer free): the loop asks again at the next completion or pump. */
        LATER,
        /** No more requests: the loop finishes once those in flight complete. */
        END
    }

    /** The caller's side of the loop: what each request is, and what to do with it when done. */
    public interface Source {
        /**
         * Adds request {@code n} (the n-th of the loop, slot {@code n % depth}) to {@code requests}.
         * The same {@code n} may be asked again when its publish found no room: add the same
         * request, or one as good.
         */
        Next next(long n, int slot, Requests requests);

        /** The request in {@code slot} is done: {@code status} is its first part's status that was not OK, else OK. */
        void completed(int slot, IoStatus status);
    }

    /** Where a source puts a request: on the loop's batch, or straight to the driver. */
    public interface Requests {
        /** Adds a request, or the last part of one. Arguments as {@link UbdDriver#trySubmit(Disk, IoOp, long, ByteBuffer, long, Completion, long)}. */
        void add(IoOp op, long offset, ByteBuffer buffer, long length);

        /** Adds a part of a request that one more part, {@link #add}, completes (at most two parts a request). */
        void addPart(IoOp op, long offset, ByteBuffer buffer, long length);
    }

    private final UbdDriver driver;
    private final Disk disk;
    private final int depth;
    private final Source source;
    private final boolean completionSubmits;
    /** Requests that one publish takes at most: a batch larger than the ring can never go. */
    private final int maxBatch;
    /** The completions' batch, on the I/O thread only (from completions). */
    private final RequestBatch batch;
    /** The owner's batch for {@link #pump()}: made when first needed. */
    private RequestBatch ownerBatch;
    /** Used by one submitter at a time (see the class comment). */
    private final Parts parts = new Parts();
    /** The first status that was not OK of each slot's parts; on the I/O thread only. */
    private final IoStatus[] slotStatus;

    /** Requests published, written only by whoever submits (see the class comment). */
    private long issued;
    /** Requests completed (every part), written only by the disk's I/O thread. */
    private volatile long completed;
    /** The source said END; written by whoever submits. */
    private volatile boolean ended;
    /** From completions: set once the last request in flight after END has completed. */
    private volatile boolean finished;
    /** A completion could not publish with nothing of the loop in flight: the owner takes over. */
    private volatile boolean stalled;
    private volatile boolean started;
    private volatile Throwable failure;
    private volatile Thread owner;
    /** The owner may be parked waiting for this loop: a completion wakes it. */
    private volatile boolean parked;
    /** The owner parks on its own, for many loops: every completion that concerns it wakes it. */
    private volatile boolean watched;
    private int spins;

    private ClosedLoop(UbdDriver driver, Disk disk, int depth, Source source, boolean completionSubmits) {
        if (depth < 1) {
            throw new IllegalArgumentException(disk.name() + ": a closed loop keeps at least one request in flight, not " + depth);
        }
        this.driver = driver;
        this.disk = disk;
        this.depth = depth;
        this.source = source;
        this.completionSubmits = completionSubmits;
        this.maxBatch = Math.min(2 * depth, driver.ringSize());
        this.batch = completionSubmits ? batchFor(depth) : null;
        this.slotStatus = new IoStatus[depth];
        Arrays.fill(slotStatus, IoStatus.OK);
    }

    /** A loop whose completions submit the next request (see the class comment); start it with {@link #pump} or {@link #run}. */
    public static ClosedLoop fromCompletions(UbdDriver driver, Disk disk, int depth, Source source) {
        return new ClosedLoop(driver, disk, depth, source, true);
    }

    /** A loop whose owner submits every request, with {@link #step}, {@link #run} or {@link #pump}. */
    public static ClosedLoop fromOwner(UbdDriver driver, Disk disk, int depth, Source source) {
        return new ClosedLoop(driver, disk, depth, source, false);
    }

    /** A batch with room for what one {@link #pump(RequestBatch)} of a loop {@code depth} deep adds. */
    public static RequestBatch batchFor(int depth) {
        return new RequestBatch(2 * depth);
    }

    /** The owner spins this many times for a free slot before it parks (0, the default: parks at once). */
    public ClosedLoop spinning(int spins) {
        this.spins = Math.max(0, spins);
        return this;
    }

    /**
     * {@code thread} looks after this loop among others and parks on its own: the loop wakes it
     * when it finishes, stalls or fails, and in owner mode at every completion.
     */
    public ClosedLoop watchedBy(Thread thread) {
        owner = thread;
        watched = true;
        return this;
    }

    /** Requests completed so far (every part of them). */
    public long completedCount() {
        return completed;
    }

    /** The source ended and every request it gave has completed. */
    public boolean finished() {
        return completionSubmits ? finished : ended && issued == completed;
    }

    /** From completions: the ring had no room while nothing was in flight; the owner's {@link #pump} takes it on. */
    public boolean stalled() {
        return stalled;
    }

    /** What a source threw in a completion, which stopped the loop; null while it runs. */
    public Throwable failure() {
        return failure;
    }

    /**
     * The owner's submit, never blocking: adds what the source gives now (up to the depth) to
     * {@code scratch} and publishes it with one {@link UbdDriver#trySubmit(RequestBatch)}. From
     * completions, it acts only to start the loop and after a stall (nothing in flight then) and is
     * a no-op otherwise.
     *
     * @param scratch an empty batch of {@link #batchFor} the depth or more (a thread that serves many
     *                loops needs one), left empty
     * @return false when the ring had no room: nothing was published; try again later
     */
    public boolean pump(RequestBatch scratch) {
        if (completionSubmits && started && !stalled) {
            return true;
        }
        started = true;
        stalled = false;
        Published p = fillAndPublish(scratch, maxBatch);
        if (p == Published.SOME) {
            return true; // from completions, the I/O thread submits from here on: this thread touches nothing more
        }
        if (completionSubmits) {
            // nothing in flight: no completion runs, nothing goes unless this thread pumps again
            if (p == Published.NONE && ended) {
                finish();
            } else {
                stalled = true;
            }
        }
        return p != Published.NO_ROOM;
    }

    /** {@link #pump(RequestBatch)} with a batch of the loop's own. */
    public boolean pump() {
        if (ownerBatch == null) {
            ownerBatch = batchFor(depth);
        }
        return pump(ownerBatch);
    }

    /**
     * The owner's blocking step (owner mode): waits for a free slot, then submits the source's next
     * request with {@link UbdDriver#submit}, which waits for room in the ring.
     *
     * @return false once the source has ended ({@link #drain} then waits for the rest)
     */
    public boolean step() throws InterruptedException {
        if (completionSubmits) {
            throw new IllegalStateException(disk.name() + ": its completions submit; the owner only pumps");
        }
        while (!ended) {
            awaitSlot();
            long n = issued;
            parts.batch = null;
            parts.slot = (int) (n % depth);
            Next next = source.next(n, parts.slot, parts);
            if (next == Next.ADDED) {
                issued = n + 1;
                return true;
            }
            if (next == Next.END) {
                ended = true;
            } else {
                Thread.onSpinWait(); // not yet: ask again
            }
        }
        return false;
    }

    /** Waits until every request submitted has completed; rethrows a source's failure. */
    public void drain() throws InterruptedException {
        awaitCompleted(issued);
    }

    /**
     * Runs the loop to its end on this thread: from completions, starts it and takes it back after
     * stalls; in owner mode, submits every request. Rethrows what a source threw.
     */
    public void run() throws InterruptedException {
        if (completionSubmits) {
            owner = Thread.currentThread();
            pump();
            awaitFinish(Long.MAX_VALUE);
        } else {
            while (step()) {
                // the next request went out
            }
            drain();
        }
    }

    /**
     * From completions: waits for the loop to finish, taking it back after stalls meanwhile.
     * Rethrows what a source threw.
     *
     * @return false when the time ran out first
     */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        if (!completionSubmits) {
            throw new IllegalStateException(disk.name() + ": its owner submits; it waits with drain");
        }
        owner = Thread.currentThread();
        return awaitFinish(unit.toNanos(timeout));
    }

    private boolean awaitFinish(long timeoutNanos) throws InterruptedException {
        long start = System.nanoTime();
        while (!finished) {
            checkFailure();
            long left = timeoutNanos - (System.nanoTime() - start);
            if (left <= 0) {
                return false;
            }
            if (stalled) {
                if (!pump()) {
                    LockSupport.parkNanos(10_000); // the ring is full of other disks' requests
                }
                continue;
            }
            if (!finished && !stalled && failure == null) {
                LockSupport.parkNanos(this, left); // a finish, a stall or a failure wakes it
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
        checkFailure();
        return true;
    }

    private enum Published { SOME, NONE, NO_ROOM }

    /** Adds what the source gives now and publishes it; after SOME, from completions, only the I/O thread may touch the loop's counts. */
    private Published fillAndPublish(RequestBatch to, int most) {
        long before = issued;
        if (!fill(to, most, before)) {
            return Published.NONE;
        }
        if (publish(to, before)) {
            return Published.SOME;
        }
        // room for one request, perhaps, rather than none
        return most > 1 && fill(to, 1, before) && publish(to, before) ? Published.SOME : Published.NO_ROOM;
    }

    /** Publishes what {@link #fill} added from request {@code from} on; when the ring has no room, takes it all back. */
    private boolean publish(RequestBatch to, long from) {
        boolean ok = driver.trySubmit(to);
        to.clear();
        if (!ok) {
            // nothing was published, so no completion has seen any of it; an END the source said
            // after them is heard again when they are asked for again
            issued = from;
            ended = false;
        }
        return ok;
    }

    /**
     * Adds requests to {@code to} while fewer than the depth are in flight and it has room within
     * {@code most} for a whole request (two parts); counts them issued, before they are published
     * (a completion may run as soon as they are).
     *
     * @return whether it added any
     */
    private boolean fill(RequestBatch to, int most, long from) {
        parts.batch = to;
        long n = from;
        try {
            while (!ended && n - completed < depth && to.size() + 2 <= Math.max(most, 2)) {
                parts.slot = (int) (n % depth);
                Next next = source.next(n, parts.slot, parts);
                if (next == Next.ADDED) {
                    n++;
                } else {
                    ended = next == Next.END;
                    break;
                }
            }
        } catch (Throwable t) {
            to.clear(); // nothing of it goes: a batch the owner shares must be left empty
            throw t;
        } finally {
            parts.batch = null;
        }
        issued = n;
        return n > from;
    }

    @Override
    public void complete(long tag, IoStatus status) {
        try {
            int slot = (int) (tag >>> 1);
            if (status != IoStatus.OK) {
                slotStatus[slot] = status;
            }
            if ((tag & 1) == 0) {
                return; // a first part: the request completes with its last
            }
            IoStatus s = slotStatus[slot];
            slotStatus[slot] = IoStatus.OK;
            source.completed(slot, s);
            long c = completed + 1;
            completed = c; // single writer: this disk's I/O thread
            if (!completionSubmits) {
                if (watched || parked) {
                    LockSupport.unpark(owner);
                }
                return;
            }
            if (!ended && failure == null) {
                fillAndPublish(batch, maxBatch);
            }
            if (ended && issued == c) {
                finish();
            } else if (issued == c) {
                stalled = true; // nothing in flight and nothing published: the owner takes over
                wake();
            }
        } catch (Throwable t) {
            failure = t;
            wake();
        }
    }

    private void finish() {
        finished = true;
        wake();
    }

    private void wake() {
        Thread t = owner;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Owner mode: waits until fewer than the depth are in flight. */
    private void awaitSlot() throws InterruptedException {
        awaitCompleted(issued - depth + 1);
    }

    private void awaitCompleted(long count) throws InterruptedException {
        for (int i = 0; i < spins && completed < count; i++) {
            Thread.onSpinWait();
        }
        if (completed < count) {
            owner = Thread.currentThread();
            while (completed < count) {
                checkFailure();
                parked = true;
                if (completed < count) {
                    LockSupport.park(this);
                }
                parked = false;
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        }
        checkFailure();
    }

    private void checkFailure() {
        Throwable f = failure;
        if (f instanceof RuntimeException r) {
            throw r;
        }
        if (f instanceof Error e) {
            throw e;
        }
        if (f != null) {
            throw new IllegalStateException(disk.name() + ": a closed loop's completion failed: " + f, f);
        }
    }

    /**
     * Where {@link Source#next} puts a request: the batch being filled, or, with none, straight to
     * the driver with the blocking submit, as a front-end's thread does. Tagged with the slot and
     * whether the part is the request's last.
     */
    private final class Parts implements Requests {
        /** Null: submit each at once, waiting for room. */
        RequestBatch batch;
        int slot;

        @Override
        public void add(IoOp op, long offset, ByteBuffer buffer, long length) {
            put(op, offset, buffer, length, (long) slot << 1 | 1);
        }

        @Override
        public void addPart(IoOp op, long offset, ByteBuffer buffer, long length) {
            put(op, offset, buffer, length, (long) slot << 1);
        }

        private void put(IoOp op, long offset, ByteBuffer buffer, long length, long tag) {
            if (batch != null) {
                batch.add(disk, op, offset, buffer, length, ClosedLoop.this, tag);
            } else {
                driver.submit(disk, op, offset, buffer, length, ClosedLoop.this, tag);
            }
        }
    }
}
