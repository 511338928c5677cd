package org.ubdjava.harness.shard;

import java.util.List;
import java.util.Locale;

import org.ubdjava.harness.replay.ReplayResult;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The report of a whole run merged from its shards' results: the replay's own report (its JSON
 * keys at the top level, as one process's run would have them), then {@code merge}, what the
 * merge found about the shards. The replay's {@code problems} name the shard of each (and the VM,
 * where the shard's line did); the merge's own problems (a shard missing, duplicated, unfinished,
 * failed or from another run) come first.
 */
public record MergedReport(@JsonUnwrapped ReplayResult replay, Merge merge) implements Merged {

    /**
     * @param shards       the run's shard count (from the shards' records)
     * @param merged       shards whose results are in the figures
     * @param skewMs       how far apart the merged shards' I/O started: the latest first request
     *                     submitted minus the earliest (null with no I/O)
     * @param run          the run, as most shards recorded it
     * @param shardResults each shard the figures hold, in order
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"shards", "merged", "skew_ms", "run", "shard_results"})
    public record Merge(int shards, int merged, Long skewMs, RunIdentity run, List<ShardLine> shardResults) {
    }

    /**
     * One shard's part.
     *
     * @param lateMs by how much the common start had passed when it was ready (0: on time), or null without one
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"shard", "dir", "host", "verdict", "vms", "requests", "io_iops", "late_ms", "io"})
    public record ShardLine(int shard, String dir, String host, String verdict, int vms, long requests, double ioIops, Long lateMs,
                            ReplayResult.Window io) {
    }

    @Override
    public boolean passed() {
        return replay.passed();
    }

    @Override
    public List<String> problems() {
        return replay.problems();
    }

    @Override
    public long problemsNotPrinted() {
        return replay.problemsNotPrinted();
    }

    /** The terminal summary: the merge's lines, then the replay's summary of the whole run. */
    @Override
    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "merge of %s of %s shards: %s%s%n", merge.merged(), merge.shards(),
                replay.verdict().toUpperCase(Locale.ROOT),
                merge.skewMs() == null ? "" : ", their I/O started within " + merge.skewMs() + " ms of one another"));
        for (ShardLine s : merge.shardResults()) {
            b.append(String.format(Locale.ROOT, "  shard %s on %s: %s, %s VMs, %s requests, %s IOPS%s  (%s)%n", s.shard(), s.host(),
                    s.verdict(), s.vms(), s.requests(), s.ioIops(),
                    s.lateMs() == null || s.lateMs() == 0 ? "" : ", started " + s.lateMs() + " ms late", s.dir()));
        }
        b.append(replay.summary());
        return b.toString();
    }
}
