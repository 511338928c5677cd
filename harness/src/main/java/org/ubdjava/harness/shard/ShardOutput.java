package org.ubdjava.harness.shard;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.HdrHistogram.Histogram;
import org.ubdjava.harness.cachesim.CacheSimReport;
import org.ubdjava.harness.replay.BackingFingerprint;
import org.ubdjava.harness.replay.HtmlReport;
import org.ubdjava.harness.replay.Replay;
import org.ubdjava.harness.replay.ReplayOptions;
import org.ubdjava.harness.replay.ReplayResult;
import org.ubdjava.harness.trace.TraceFormat;

/**
 * What one shard of a run writes into its result directory ({@link ShardFiles}), in the order a
 * merge relies on: the record when the replay is ready (so a shard killed later is known for one
 * of the run's), the report and latency log when it has ended, the record's end last.
 */
public final class ShardOutput implements Replay.Ready {
    private final Path dir;
    private final RunIdentity identity;
    private final int shard;
    private final String host;
    private RunIdentity seen;
    private Long readyEpochMs;

    private ShardOutput(Path dir, RunIdentity identity, int shard, String host) {
        this.dir = dir;
        this.identity = identity;
        this.shard = shard;
        this.host = host;
    }

    /**
     * The output of shard {@code o.shard()} into {@code dir} (made if missing), with the run's
     * identity taken from {@code traces} (read here for their digests). A result an earlier run
     * left in {@code dir} is removed first: what the directory holds is this run's, or nothing.
     */
    public static ShardOutput open(Path dir, List<Path> traces, TraceFormat format, ReplayOptions o) throws IOException {
        if (o.shard() == null) {
            throw new IllegalArgumentException("not a shard: the options give no --shard");
        }
        return open(dir, RunIdentity.of(traces, format, o), o.shard().index());
    }

    /** The output of shard {@code shard} of the run {@code identity} into {@code dir}, cleared of an earlier run's result. */
    public static ShardOutput open(Path dir, RunIdentity identity, int shard) throws IOException {
        Files.createDirectories(dir);
        for (String name : new String[] {ShardFiles.RECORD, HtmlReport.REPORT_JSON, CacheSimReport.REPORT_JSON, ShardFiles.LATENCY_LOG}) {
            Files.deleteIfExists(dir.resolve(name));
        }
        return new ShardOutput(dir, identity, shard, host());
    }

    /** A shard that reads no backing file (a cache simulation) is ready: the record as its identity stands. */
    public void ready() throws IOException {
        seen = identity;
        readyEpochMs = System.currentTimeMillis();
        ShardFiles.writeRecord(dir, new ShardRecord(ShardRecord.FORMAT, seen, shard, host, readyEpochMs, null, null, null));
    }

    /** A shard without per-VM figures (a cache simulation) has ended and written its report: the record's end. */
    public void ended() throws IOException {
        ShardFiles.writeRecord(dir, new ShardRecord(ShardRecord.FORMAT, seen, shard, host, readyEpochMs, System.currentTimeMillis(),
                null, null));
    }

    /** The replay is ready: the record, with the backing file as this shard sees it, before the common start. */
    @Override
    public void ready(BackingFingerprint backing) throws IOException {
        seen = identity.withBacking(backing);
        readyEpochMs = System.currentTimeMillis();
        ShardFiles.writeRecord(dir, new ShardRecord(ShardRecord.FORMAT, seen, shard, host, readyEpochMs, null, null, null));
    }

    /** The replay has ended and its report is written: the latency log, then the record's end. */
    public void finished(ReplayResult r) throws IOException {
        ReplayResult.Sharding s = r.shard();
        long start = s.io() == null ? readyEpochMs : s.io().startEpochMs();
        long end = s.io() == null ? start : s.io().endEpochMs();
        Histogram[] perTrace = r.traceLatencyNanos();
        ShardFiles.writeLatency(dir, "ubd replay shard " + shard + "/" + identity.shards() + " on " + host
                + ": device latency in nanoseconds, submit to completion; untagged: every request; tag "
                + ShardFiles.TRACE_TAG + "I: trace I's VMs", r.latencyNanos(), perTrace, start, end);
        List<ShardRecord.VmFigures> vms = new ArrayList<>(r.vmNumbers().length);
        for (int j = 0; j < r.vmNumbers().length; j++) {
            vms.add(new ShardRecord.VmFigures(r.vmNumbers()[j], r.vmIops()[j], r.cowUsage()[j]));
        }
        ShardFiles.writeRecord(dir, new ShardRecord(ShardRecord.FORMAT, seen, shard, host, readyEpochMs,
                System.currentTimeMillis(), null, vms));
    }

    /** The replay stopped with {@code failure} instead of a result: the record ends with it. */
    public void failed(Throwable failure) throws IOException {
        String why = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        ShardFiles.writeRecord(dir, new ShardRecord(ShardRecord.FORMAT, seen == null ? identity : seen, shard, host, readyEpochMs,
                System.currentTimeMillis(), why, null));
    }

    /** This host's name, as the shards' logs name it. */
    static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            String env = System.getenv("HOSTNAME");
            return env == null || env.isBlank() ? "unknown" : env;
        }
    }
}
