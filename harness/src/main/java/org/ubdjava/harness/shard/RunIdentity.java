package org.ubdjava.harness.shard;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.ubdjava.core.UbdException;
import org.ubdjava.harness.replay.BackingFingerprint;
import org.ubdjava.harness.replay.ReplayOptions;
import org.ubdjava.harness.trace.TraceFormat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * What makes shards parts of one run: the same command, traces (by content), SPEC, fleet, shard
 * count, options that change what is replayed or how fast, and backing file (by content). Each shard
 * records its own, taken from what it sees; there is no coordinator, so the merge compares them
 * and refuses a shard whose identity differs from the run's. Options that only decide what is
 * checked ({@code --merge-check}, {@code --oracle}), how the request path is warmed, or a fault
 * injected to test the checks are not part of it: a shard that injects one belongs to the run and
 * fails its checks.
 *
 * @param kind     {@value #REPLAY} or {@value #CACHE_SIM}: the command the shards ran
 * @param traces   each trace as given, in order (VM i replays trace i mod T)
 * @param format   the trace format given, or null when each was detected
 * @param spec     the SPEC as given (COW file names and backing path); null for a cache simulation
 * @param vms      the whole fleet
 * @param shards   how many shards the run is cut into
 * @param settings the options that change what the VMs replay or how fast
 * @param backing  the backing file's content as this shard saw it before replaying, or null when the
 *                 shard failed before it looked (then it is compared on the rest), and for a cache simulation
 * @param caches   the caches simulated, for a cache simulation; else null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"kind", "traces", "format", "spec", "vms", "shards", "settings", "backing", "caches"})
public record RunIdentity(String kind, List<TraceFile> traces, String format, String spec, int vms, int shards, Settings settings,
                          Backing backing, Caches caches) {
    public static final String REPLAY = "replay";
    public static final String CACHE_SIM = "cache-sim";

    public RunIdentity {
        traces = List.copyOf(traces);
    }

    /** A trace file: its path as given, its size and the SHA-256 of its bytes. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TraceFile(String path, long bytes, String sha256) {
    }

    /**
     * The options; those of the replay alone are null for a cache simulation.
     *
     * @param limit  records replayed of each trace, or null for all
     * @param atOnce VMs of the shard running at a time (0: all)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Settings(long seed, String shiftTime, String shiftSpace, Long limit, Integer maxInflight, Double pace, Integer atOnce,
                           String preallocation, Long allocUnit, Boolean allowSkipped) {
    }

    /** A cache simulation's caches: the policies and the total sizes (bytes, all VMs' private caches together). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Caches(List<String> policies, List<Long> sizes) {
    }

    /** The backing file's size and content digest ({@link BackingFingerprint}: holes and zeros alike; no mtime, which copies do not keep). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Backing(long size, String sha256) {
        public static Backing of(BackingFingerprint f) {
            return new Backing(f.size(), f.sha256());
        }
    }

    /**
     * The identity of a run of {@code o} over {@code traces} (read here, for their digests),
     * without the backing file's fingerprint, which the replay takes once it has checked its inputs.
     */
    public static RunIdentity of(List<Path> traces, TraceFormat format, ReplayOptions o) {
        List<TraceFile> files = new ArrayList<>();
        for (Path t : traces) {
            files.add(digest(t));
        }
        Settings s = new Settings(o.seed(), lower(o.shiftTime()), lower(o.shiftSpace()), o.limit() == Long.MAX_VALUE ? null : o.limit(),
                o.maxInflight(), o.pace(), o.atOnce(), o.preallocation().label(), o.allocationUnit(), o.allowSkipped());
        return new RunIdentity(REPLAY, files, format == null ? null : format.cliName(), o.spec(), o.vms(), o.part().count(), s, null, null);
    }

    /**
     * The identity of a cache simulation of {@code traces} (each given as {@link TraceFile}s: files
     * read by {@link #digest(Path)}, or the shipped ones by {@link #digest(String, InputStream)}).
     */
    public static RunIdentity ofCacheSim(List<TraceFile> traces, TraceFormat format, int vms, int shards, long seed, Enum<?> shiftTime,
                                         Enum<?> shiftSpace, long limit, List<String> policies, List<Long> sizes) {
        return new RunIdentity(CACHE_SIM, traces, format == null ? null : format.cliName(), null, vms, shards,
                new Settings(seed, lower(shiftTime), lower(shiftSpace), limit == Long.MAX_VALUE ? null : limit, null, null, null, null,
                        null, null), null, new Caches(policies, sizes));
    }

    /** This identity with the backing file as the shard saw it. */
    public RunIdentity withBacking(BackingFingerprint f) {
        return new RunIdentity(kind, traces, format, spec, vms, shards, settings, Backing.of(f), caches);
    }

    /**
     * How this identity differs from the run's, one phrase each ("seed 2, the run's 1"); empty when
     * it is the same run. A missing backing fingerprint (a shard that failed before it looked) is
     * no difference.
     */
    public List<String> differences(RunIdentity run) {
        List<String> out = new ArrayList<>();
        if (!kind.equals(run.kind)) {
            out.add("a result of ubd " + kind + ", the run's of ubd " + run.kind);
            return out;
        }
        if (traces.size() != run.traces.size()) {
            out.add(traces.size() + " traces, the run's " + run.traces.size());
        } else {
            for (int i = 0; i < traces.size(); i++) {
                TraceFile mine = traces.get(i);
                TraceFile theirs = run.traces.get(i);
                if (!mine.sha256.equals(theirs.sha256) || mine.bytes != theirs.bytes) {
                    out.add("trace " + (i + 1) + " " + mine.path + " (" + mine.bytes + " bytes, sha256 " + shortHash(mine.sha256)
                            + ") is not the run's " + theirs.path + " (" + theirs.bytes + " bytes, sha256 " + shortHash(theirs.sha256) + ")");
                }
            }
        }
        differ(out, "format", format, run.format);
        differ(out, "SPEC", spec, run.spec);
        differ(out, "--vms", vms, run.vms);
        differ(out, "shard count", shards, run.shards);
        Settings a = settings;
        Settings b = run.settings;
        differ(out, "--seed", a.seed, b.seed);
        differ(out, "shift in time", a.shiftTime, b.shiftTime);
        differ(out, "shift in space", a.shiftSpace, b.shiftSpace);
        differ(out, "--max-inflight", a.maxInflight, b.maxInflight);
        differ(out, "--pace", a.pace, b.pace);
        differ(out, "--at-once", a.atOnce, b.atOnce);
        differ(out, "--limit", a.limit, b.limit);
        differ(out, "--preallocate", a.preallocation, b.preallocation);
        differ(out, "--alloc-unit", a.allocUnit, b.allocUnit);
        differ(out, "--allow-skipped", a.allowSkipped, b.allowSkipped);
        if (caches != null && run.caches != null) {
            differ(out, "--policy", String.join(",", caches.policies), String.join(",", run.caches.policies));
            differ(out, "--size", caches.sizes, run.caches.sizes);
        }
        if (backing != null && run.backing != null && !backing.equals(run.backing)) {
            out.add("its backing file (" + backing.size + " bytes, sha256 " + shortHash(backing.sha256) + ") is not the run's ("
                    + run.backing.size + " bytes, sha256 " + shortHash(run.backing.sha256) + ")");
        }
        return out;
    }

    /** Whether {@code other} is this run (the same in everything {@link #differences} compares). */
    public boolean sameRun(RunIdentity other) {
        return differences(other).isEmpty();
    }

    private static void differ(List<String> out, String what, Object mine, Object run) {
        if (!Objects.equals(mine, run)) {
            out.add(what + " " + (mine == null ? "none" : mine) + ", the run's " + (run == null ? "none" : run));
        }
    }

    private static String shortHash(String sha256) {
        return sha256.length() > 12 ? sha256.substring(0, 12) + "..." : sha256;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** The trace's size and SHA-256, read whole. */
    public static TraceFile digest(Path trace) {
        try (InputStream in = Files.newInputStream(trace)) {
            return digest(trace.toString(), in);
        } catch (IOException e) {
            throw new UbdException(trace + ": cannot read the trace: " + e.getMessage(), e);
        }
    }

    /** The size and SHA-256 of a trace read whole from {@code in} (not closed), named {@code name}. */
    public static TraceFile digest(String name, InputStream in) throws IOException {
        try {
            DigestInputStream d = new DigestInputStream(in, MessageDigest.getInstance("SHA-256"));
            byte[] buf = new byte[1 << 16];
            long bytes = 0;
            for (int n; (n = d.read(buf)) > 0; ) {
                bytes += n;
            }
            return new TraceFile(name, bytes, HexFormat.of().formatHex(d.getMessageDigest().digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
