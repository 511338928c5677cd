package org.ubdjava.harness.trace;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts the records of a trace that were read but are not I/O, by reason, for the replay report.
 * Reasons are short fixed phrases (e.g. {@code "fio open"}); counting an already seen reason
 * allocates nothing.
 */
public final class SkipCounter {
    /** Reason to count, in first-seen order; a one-element array so that counting does not box. */
    private final Map<String, long[]> counts = new LinkedHashMap<>();
    private long total;

    void add(String reason) {
        counts.computeIfAbsent(reason, r -> new long[1])[0]++;
        total++;
    }

    /** All skipped records. */
    public long total() {
        return total;
    }

    /** How many records were skipped for {@code reason}; 0 for a reason never seen. */
    public long count(String reason) {
        long[] c = counts.get(reason);
        return c == null ? 0 : c[0];
    }

    /** A snapshot, in the order the reasons were first seen. */
    public Map<String, Long> byReason() {
        Map<String, Long> copy = new LinkedHashMap<>();
        counts.forEach((reason, c) -> copy.put(reason, c[0]));
        return Collections.unmodifiableMap(copy);
    }

    @Override
    public String toString() {
        return byReason().toString();
    }
}
