package org.ubdjava.driver.cache;

/**
 * W-TinyLFU (Einziger, Friedman and Manes; the policy of Caffeine) with an adaptive window: new
 * pages enter an LRU window; a page pushed out of the window is admitted to the main area (a
 * segmented LRU: probation 20%, protected 80% of main) only if the frequency sketch says it is
 * seen more often than the page main would evict. A one-time scan therefore passes through the
 * window and leaves the hot set alone, where plain LRU loses all of it.
 *
 * <p>The window's size is tuned by hill climbing, as Caffeine does: once the cache is full, the
 * hit rate is sampled over periods of at least {@code 10 x capacity} accesses (the sketch's reset
 * period) and at least 200 hits (fewer make the rate noise; a period without hits moves nothing).
 * After each period the window target moves by a step (first 12.5% of the slots) in the current
 * direction, which reverses only when the period's hit rate fell below the previous one's by more
 * than two standard errors: a flat stretch is crossed, not wandered in. The step decays by 2% a
 * move so the split settles (not while pinned at a bound, so it can come back at full size), and
 * returns to full size when the hit rate jumps by 5 points (the workload changed). The target
 * stays between 1% (the start: classic W-TinyLFU) and 80% of the slots. Recency-shaped traces (a
 * page read again soon after its first read, before its frequency can win admission) drive the
 * window up towards LRU. Deterministic: the same accesses give the same choices.
 *
 * <p>What it does not do: a climber only sees the slope where it stands. When a middling window
 * is worse than both 1% and a large one (clones whose re-reads come too late for a 10-25% window,
 * e.g. 8 readers 80 pages apart in 1,000 slots), it stays near 1%, no better than a fixed window.
 * On a frequency-skewed trace cut by scans, insignificant changes let the window drift up, which
 * costs about 1-4 points of hit ratio against the fixed 1% window while staying well above LRU
 * ({@code CacheAdaptiveWindowTest}).
 *
 * <p>The window follows its target gradually: an insert moves at most two pages from the window
 * to probation, and a window below target grows by taking main's victims without admission
 * contests; protected (80% of main, so it shrinks as the window grows) demotes at most one page
 * per insert or promotion. Everything is O(1) per access, in arrays sized once.
 *
 * <p>Caffeine itself is not used: its map boxes every page number (an allocation per lookup),
 * allocates a node per insert, and evicts asynchronously and approximately, while a fixed slab of
 * off-heap pages needs the victim named at the moment a slot is wanted.
 */
final class TinyLfuPolicy implements EvictionPolicy {
    private static final int WINDOW = 0;
    private static final int PROBATION = 1;
    private static final int PROTECTED = 2;

    /** The window's bounds and the climber's first step, as fractions of the slots. */
    static final double WINDOW_MIN = 0.01;
    static final double WINDOW_MAX = 0.80;
    static final double STEP = 0.125;
    /** Each move's step is this times the last one's, unless the hit rate jumped. */
    static final double STEP_DECAY = 0.98;
    /** A change of hit rate (absolute) this large restarts the full step. */
    static final double RESTART = 0.05;
    /** Standard errors by which the hit rate must fall to turn back. */
    static final double NOISE = 2;
    /** A sample period also lasts until it has this many hits, so its hit rate is not noise. */
    static final int MIN_HITS = 200;

    private final SlotLists lists;
    private final byte[] where;
    private final long[] pageOf;
    private final FrequencySketch sketch;
    private final int capacity;
    private final int windowFloor;
    private final int windowCeiling;
    private final int sampleSize;
    private final double fullStep;
    private final boolean adaptive;

    private int windowMax;
    private int protectedMax;
    private double windowTarget;
    private double step;
    private boolean full;
    private long sampleAccesses;
    private int sampleHits;
    private double previousHitRate = Double.NaN;
    private double previousVariance;

    TinyLfuPolicy(int capacity) {
        this(capacity, true);
    }

    /** @param adaptive false keeps the window at 1% (classic W-TinyLFU, for comparison in tests) */
    TinyLfuPolicy(int capacity, boolean adaptive) {
        this.capacity = capacity;
        this.adaptive = adaptive;
        lists = new SlotLists(capacity, 3);
        where = new byte[capacity];
        pageOf = new long[capacity];
        sketch = new FrequencySketch(capacity);
        windowFloor = Math.max(1, (int) (capacity * WINDOW_MIN));
        windowCeiling = Math.max(windowFloor, (int) (capacity * WINDOW_MAX));
        sampleSize = 10 * Math.max(16, capacity);
        fullStep = Math.max(1, capacity * STEP);
        step = fullStep; // the window starts at its floor: the only way is up
        windowTarget = windowFloor;
        resize(windowFloor);
    }

    /** The window's current target size, in slots (for tests). */
    int windowTarget() {
        return windowMax;
    }

    private void resize(int window) {
        windowMax = window;
        protectedMax = (int) ((capacity - window) * 0.8);
    }

    @Override
    public void onAccess(long page) {
        sketch.increment(page);
        if (full && adaptive) {
            if (sampleAccesses >= sampleSize && sampleHits >= MIN_HITS) {
                climb();
            }
            sampleAccesses++;
        }
    }

    /** One hill-climbing step at the end of a sample period. */
    private void climb() {
        double hitRate = (double) sampleHits / sampleAccesses;
        double variance = hitRate * (1 - hitRate) / sampleAccesses;
        if (!Double.isNaN(previousHitRate)) {
            double change = hitRate - previousHitRate;
            if (change < -NOISE * Math.sqrt(variance + previousVariance)) {
                step = -step;
            }
            if (Math.abs(change) >= RESTART) {
                step = Math.copySign(fullStep, step);
            }
        }
        double target = Math.max(windowFloor, Math.min(windowCeiling, windowTarget + step));
        if (target != windowTarget) {
            windowTarget = target;
            resize((int) target);
            step *= STEP_DECAY; // pinned at a bound, the step keeps its size for the way back
        }
        previousHitRate = hitRate;
        previousVariance = variance;
        sampleAccesses = 0;
        sampleHits = 0;
    }

    @Override
    public void onHit(int slot) {
        if (full) {
            sampleHits++;
        }
        switch (where[slot]) {
            case WINDOW -> lists.moveToLast(WINDOW, slot);
            case PROTECTED -> lists.moveToLast(PROTECTED, slot);
            default -> {
                lists.remove(PROBATION, slot);
                lists.addLast(PROTECTED, slot);
                where[slot] = PROTECTED;
                demoteIfOver();
            }
        }
    }

    private void demoteIfOver() {
        if (lists.size(PROTECTED) > protectedMax) {
            int demoted = lists.first(PROTECTED);
            lists.remove(PROTECTED, demoted);
            lists.addLast(PROBATION, demoted);
            where[demoted] = PROBATION;
        }
    }

    @Override
    public void onInsert(int slot, long page) {
        pageOf[slot] = page;
        where[slot] = WINDOW;
        lists.addLast(WINDOW, slot);
        // two at most: one for this insert, one to shrink towards a lowered target
        for (int moved = 0; moved < 2 && lists.size(WINDOW) > windowMax; moved++) {
            int out = lists.first(WINDOW);
            lists.remove(WINDOW, out);
            lists.addLast(PROBATION, out);
            where[out] = PROBATION;
        }
        demoteIfOver();
    }

    /**
     * Called when every slot is taken: the next insert would push the window's oldest page (the
     * candidate) into main, so the candidate and main's victim compete now, and the loser goes.
     * A window below its target grows instead: main's victim goes without a contest.
     */
    @Override
    public int victim() {
        full = true;
        int candidate = lists.size(WINDOW) >= windowMax ? lists.first(WINDOW) : SlotLists.NONE;
        int mainVictim = lists.first(PROBATION);
        int mainList = PROBATION;
        if (mainVictim == SlotLists.NONE) {
            mainVictim = lists.first(PROTECTED);
            mainList = PROTECTED;
        }
        if (mainVictim == SlotLists.NONE) {
            return evict(WINDOW, lists.first(WINDOW));
        }
        if (candidate == SlotLists.NONE) {
            return evict(mainList, mainVictim);
        }
        if (sketch.frequency(pageOf[candidate]) > sketch.frequency(pageOf[mainVictim])) {
            lists.remove(WINDOW, candidate);
            lists.addLast(PROBATION, candidate);
            where[candidate] = PROBATION;
            return evict(mainList, mainVictim);
        }
        return evict(WINDOW, candidate);
    }

    private int evict(int list, int slot) {
        if (slot != SlotLists.NONE) {
            lists.remove(list, slot);
        }
        return slot;
    }
}
