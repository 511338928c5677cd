package org.ubdjava.harness.replay;

import java.util.ArrayList;
import java.util.List;

/**
 * Problems found, shared by every worker: the first {@link #cap} lines are kept word for word, the
 * rest only counted, so a badly broken device cannot flood the terminal or the heap.
 */
final class MismatchLog {
    private final int cap;
    private final List<String> lines = new ArrayList<>();
    private long mismatches;
    private long problems;

    MismatchLog(int cap) {
        this.cap = cap;
    }

    /** A sector that read back wrong. */
    synchronized void mismatch(String line) {
        mismatches++;
        keep(line);
    }

    /** A check other than a read that failed (bitmap, backing file, merge, I/O error). */
    synchronized void problem(String line) {
        problems++;
        keep(line);
    }

    private void keep(String line) {
        if (lines.size() < cap) {
            lines.add(line);
        }
    }

    synchronized long mismatches() {
        return mismatches;
    }

    synchronized long problems() {
        return problems;
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** Lines found but not kept. */
    synchronized long unprinted() {
        return mismatches + problems - lines.size();
    }
}
