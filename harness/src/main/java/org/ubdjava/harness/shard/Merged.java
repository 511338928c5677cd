package org.ubdjava.harness.shard;

import java.util.List;

/** A merge of a run's shards: of a replay, or of a cache simulation's private caches. */
public sealed interface Merged permits MergedReport, MergedCacheSim {
    /** Whether every shard of the run is there once, ended with a result, is of the run, and (a replay) passed. */
    boolean passed();

    /** The terminal summary. */
    String summary();

    /** Every problem, one line each: the merge's own first (each naming its shard), then the shards' (each prefixed with its shard). */
    List<String> problems();

    /** Problems the shards found but did not keep word for word. */
    long problemsNotPrinted();
}
