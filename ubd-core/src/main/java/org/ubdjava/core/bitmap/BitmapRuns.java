package org.ubdjava.core.bitmap;

/**
 * A cursor over the runs of a {@link CowBitmap} in {@code [from, to)}: maximal ranges of sectors
 * whose bits are all set, or all clear. One object serves any number of scans ({@link #over}),
 * nothing is allocated per run, and every step looks only at words inside the range (absent
 * pages are skipped whole). Bits at or past {@link CowBitmap#bits()} count as clear.
 *
 * <pre>
 * BitmapRuns runs = new BitmapRuns(bitmap).over(0, sectors);
 * while (runs.nextSet()) { use(runs.start(), runs.end()); }     // only the COW runs
 * while (runs.next()) { use(runs.start(), runs.end(), runs.set()); } // COW and backing runs, in order
 * </pre>
 */
public final class BitmapRuns {
    private final CowBitmap bitmap;
    private long pos;
    private long to;
    private long start;
    private long end;
    private boolean set;

    public BitmapRuns(CowBitmap bitmap) {
        this.bitmap = bitmap;
    }

    /** Starts a scan of {@code [from, to)}; the cursor is before the first run. */
    public BitmapRuns over(long from, long to) {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("bitmap range [" + from + ", " + to + ")");
        }
        this.pos = from;
        this.to = to;
        this.start = from;
        this.end = from;
        return this;
    }

    /** Moves to the next run of set bits; false (and the cursor at the end) when there is none. */
    public boolean nextSet() {
        long s = bitmap.nextSet(pos, to);
        if (s >= to) {
            pos = to;
            return false;
        }
        return at(s, bitmap.nextClear(s, to), true);
    }

    /** Moves to the next run, set or clear; false at the end of the range. */
    public boolean next() {
        if (pos >= to) {
            return false;
        }
        boolean isSet = pos < bitmap.bits() && bitmap.get(pos);
        return at(pos, isSet ? bitmap.nextClear(pos, to) : bitmap.nextSet(pos, to), isSet);
    }

    private boolean at(long s, long e, boolean isSet) {
        start = s;
        end = e;
        set = isSet;
        pos = e;
        return true;
    }

    /** First sector of the current run. */
    public long start() {
        return start;
    }

    /** One past its last sector. */
    public long end() {
        return end;
    }

    /** Whether its bits are set (the sectors are in the COW file). */
    public boolean set() {
        return set;
    }
}
