package org.ubdjava.harness.shard;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Locale;

import org.ubdjava.harness.cachesim.CacheSimReport;
import org.ubdjava.harness.cachesim.CacheSimResult;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A cache simulation's private caches merged from its shards: {@code ubd cache-sim}'s own report
 * (its keys at the top level: private rows and LRU curve of the whole fleet), whether every shard
 * was there ({@code passed}), the problems, and what the merge found about the shards.
 */
public record MergedCacheSim(@JsonUnwrapped CacheSimResult result, boolean passed, List<String> problems, Merge merge)
        implements Merged {

    /**
     * @param shards       the run's shard count
     * @param merged       shards whose results are in the figures
     * @param run          the run, as most shards recorded it
     * @param shardResults each shard the figures hold, in order
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonPropertyOrder({"shards", "merged", "run", "shard_results"})
    public record Merge(int shards, int merged, RunIdentity run, List<ShardLine> shardResults) {
    }

    /** One shard's part: its VMs and their backing-page accesses. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonPropertyOrder({"shard", "dir", "host", "vms", "accesses"})
    public record ShardLine(int shard, String dir, String host, int vms, long accesses) {
    }

    @Override
    public long problemsNotPrinted() {
        return 0;
    }

    @Override
    public String summary() {
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);
        out.printf(Locale.ROOT, "merge of %s of %s cache-simulation shards (private caches): %s%n", merge.merged(), merge.shards(),
                passed ? "PASSED" : "FAILED");
        for (ShardLine s : merge.shardResults()) {
            out.printf(Locale.ROOT, "  shard %s on %s: %s VMs, %s backing-page accesses  (%s)%n", s.shard(), s.host(), s.vms(),
                    s.accesses(), s.dir());
        }
        CacheSimReport.printTable(result, out);
        out.flush();
        return text.toString();
    }
}
