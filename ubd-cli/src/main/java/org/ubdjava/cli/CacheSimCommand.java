package org.ubdjava.cli;

import org.ubdjava.harness.cachesim.CacheSim;
import org.ubdjava.harness.cachesim.CacheSimReport;
import org.ubdjava.harness.cachesim.CacheSimResult;
import org.ubdjava.harness.cachesim.PageTrace;
import org.ubdjava.harness.cachesim.ShippedTraces;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.ubdjava.cli.CachePolicyConverter;
import org.ubdjava.cli.CommandLines;
import org.ubdjava.cli.ExitCodes;
import org.ubdjava.cli.HeapBudget;
import org.ubdjava.cli.Numbers;
import org.ubdjava.driver.cache.CachePolicy;
import org.ubdjava.cli.ReplayCommand;
import org.ubdjava.cli.SizeConverter;
import org.ubdjava.harness.replay.ReplayOptions.Shift;
import org.ubdjava.harness.replay.Shard;
import org.ubdjava.harness.shard.RunIdentity;
import org.ubdjava.harness.shard.ShardAssignment;
import org.ubdjava.harness.shard.ShardOutput;
import org.ubdjava.harness.trace.TraceFormat;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceReaders;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "cache-sim", mixinStandardHelpOptions = true,
        description = {"Simulate the driver's shared backing cache on block traces.", "",
                "N VMs over one backing file, 4 KiB pages, a read request is its pages in order, and a page a VM wrote lives in its COW file and never reaches the",
                "backing cache. Compares one shared cache of SIZE with N private caches of SIZE/N, for each policy, using",
                "the driver's own cache index and policies. Also prints LRU's exact hit-ratio curve over many sizes (stack",
                "distances, one pass) and, with --sample, the SHARDS estimate of it and its error.",
                "Without --trace it runs on the traces that ship with ubd-java (" + ShippedTraces.LIST + ").", "",
                "Private caches past one machine: with --shard K/N (or a scheduler's index, as for ubd replay) only the VMs i",
                "with i mod N = K are simulated, each with its private caches of SIZE / N (N the whole fleet's --vms), and with",
                "--out DIR the shard's result goes there for `ubd report merge`. The shared cache is one stream of every VM's",
                "accesses and is not simulated in a shard."})
public final class CacheSimCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--trace", paramLabel = "FILE",
            description = "A trace; repeat for several (VM i replays trace i mod T). Default: the shipped traces.")
    List<Path> traces = new ArrayList<>();

    @Option(names = "--format", paramLabel = "F", description = "Trace format: ${COMPLETION-CANDIDATES}; detected when absent.",
            converter = ReplayCommand.FormatConverter.class,
            completionCandidates = ReplayCommand.FormatConverter.Names.class)
    TraceFormat format;

    @Option(names = "--policy", paramLabel = "LIST", split = ",", defaultValue = "lru,clock,w-tinylfu,arc,sieve,s3-fifo,2q",
            converter = CachePolicyConverter.class, description = "Policies, comma-separated (default: ${DEFAULT-VALUE}).")
    List<CachePolicy> policies;

    @Option(names = "--size", paramLabel = "LIST", split = ",", converter = SizeConverter.class,
            description = "Total cache sizes in bytes, comma-separated, KiB/MiB/GiB suffixes allowed "
                    + "(default: 1/64, 1/32 ... all of the stream's footprint).")
    List<Long> sizes;

    @Option(names = "--vms", paramLabel = "N", defaultValue = "1", converter = Numbers.Count.class, description = "Number of VMs (default ${DEFAULT-VALUE}).")
    int vms;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seeds the random shifts (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--shift-space", description = "Rotate VM i's offsets by i * device / N so VMs touch different regions.")
    boolean shiftSpace;

    @Option(names = "--shift-time", description = "Start VM i at i/N of the trace's duration (by record when it has no timestamps); "
            + "each VM wraps around and still replays every record once.")
    boolean shiftTime;

    @Option(names = "--random-shifts", description = "Draw each VM's shifts (those asked for) from its own seed instead of spacing them evenly.")
    boolean randomShifts;

    @Option(names = "--limit", paramLabel = "N", converter = Numbers.Records.class, description = "Simulate only the first N I/O records of each trace.")
    long limit = Long.MAX_VALUE;

    @Option(names = "--sample", paramLabel = "R", defaultValue = "0", converter = Numbers.Rate.class,
            description = "Also estimate LRU's curve by SHARDS at rate R (0 < R <= 1, e.g. 0.01) and report its error.")
    double sample;

    @Option(names = "--json", description = "Print the results as JSON.")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", description = "Write report.json, hit-ratio.png and report.html here.")
    Path out;

    @Option(names = "--shard", paramLabel = "K/N", converter = ReplayCommand.ShardConverter.class,
            description = "Simulate only shard K of N of the fleet's private caches: the VMs i with i mod N = K, each placed "
                    + "as in the whole fleet; needs --size (the default sizes come from the whole fleet's shared stream). "
                    + "Without it K comes from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX and N from --shards or "
                    + "SLURM_ARRAY_TASK_COUNT, as for ubd replay. The shards' --out directories merge with `ubd report merge`.")
    Shard shard;

    @Option(names = "--shards", paramLabel = "N", converter = Numbers.Count.class,
            description = "The number of shards, with the shard's index from the scheduler (JOB_COMPLETION_INDEX).")
    Integer shards;

    /** Where the scheduler's variables are read: the process's environment (a test gives its own). */
    Map<String, String> env = System.getenv();

    @Option(names = "--dump-pages", paramLabel = "FILE", hidden = true,
            description = "Write the shared stream of backing page numbers, one a line (input for other simulators).")
    Path dumpPages;

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        if (randomShifts && !shiftTime && !shiftSpace) {
            throw new CommandLine.ParameterException(cl, "--random-shifts needs --shift-time or --shift-space (what to draw)");
        }
        if (traces.size() > vms) {
            throw new CommandLine.ParameterException(cl, traces.size() + " traces for " + vms + " VMs: some would not be simulated");
        }
        Shard part;
        try {
            part = ShardAssignment.resolve(shard, shards, env);
        } catch (ShardAssignment.Invalid e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
        if (part != null) {
            if (part.count() > vms) {
                throw new CommandLine.ParameterException(cl, "shard " + part + ": more shards than VMs (--vms " + vms + "): shard "
                        + (part.count() - 1) + " would have none");
            }
            if (sizes == null) {
                throw new CommandLine.ParameterException(cl, "shard " + part + " needs --size: the default sizes come from the "
                        + "whole fleet's shared stream, which no shard sees");
            }
            if (sample > 0 || dumpPages != null) {
                throw new CommandLine.ParameterException(cl, (sample > 0 ? "--sample" : "--dump-pages") + " is of the shared stream, "
                        + "which a shard (" + part + ") does not simulate");
            }
        }
        List<CachePolicy> chosen = new ArrayList<>();
        for (CachePolicy policy : policies) {
            if (!chosen.contains(policy)) {
                chosen.add(policy);
            }
        }
        long[] total = sizes == null ? null : sizes.stream().mapToLong(Long::longValue).toArray();
        if (total != null) {
            for (long s : total) {
                if (s / PageTrace.PAGE / vms < 1 || s / PageTrace.PAGE / vms > Integer.MAX_VALUE) {
                    throw new CommandLine.ParameterException(cl, "--size " + s + ": each of " + vms
                            + " private caches needs from one 4 KiB page to 2^31 pages");
                }
            }
        }
        CommandLines.requireOutDirectory(out, "--out");
        // before any trace is read: the caches and the VMs' trackers are made up front
        HeapBudget.require(spec, "--vms " + vms + (total == null ? "" : " with --size " + String.join(",", sizeArgs()))
                        + " and " + chosen.size() + " policies", CacheSim.heapFloor(vms, chosen.size(), total),
                String.format(java.util.Locale.ROOT, "each VM takes at least %,d KiB, each MiB of cache size %,d KiB",
                        CacheSim.HEAP_PER_VM >> 10, CacheSim.HEAP_PER_PAGE * 256 * (vms > 1 ? 2 : 1) * chosen.size() >> 10));
        List<PageTrace> loaded = new ArrayList<>();
        if (traces.isEmpty()) {
            for (String name : ShippedTraces.NAMES) {
                loaded.add(read(ShippedTraces.open(name)));
            }
        } else {
            for (Path t : traces) {
                loaded.add(read(format == null ? TraceReaders.open(t) : TraceReaders.open(t, format)));
            }
        }
        if (loaded.size() > vms) {
            loaded = loaded.subList(0, vms); // the shipped traces, for fewer VMs than there are of them
        }
        Shift how = randomShifts ? Shift.RANDOM : Shift.EVEN;
        CacheSim.Config config = new CacheSim.Config(loaded, chosen, total, vms, shiftTime ? how : Shift.NONE,
                shiftSpace ? how : Shift.NONE, seed, sample, dumpPages);
        if (part != null) {
            return shard(config, part, chosen);
        }
        CacheSimResult r = CacheSim.run(config);
        return print(r);
    }

    /** One shard's private caches, and with --out its result for the merge. */
    private int shard(CacheSim.Config config, Shard part, List<CachePolicy> chosen) throws IOException {
        if (out == null) {
            return print(CacheSim.runShard(config, part));
        }
        List<RunIdentity.TraceFile> files = new ArrayList<>();
        if (traces.isEmpty()) {
            for (String name : ShippedTraces.NAMES.subList(0, config.traces().size())) {
                try (InputStream in = ShippedTraces.class.getResourceAsStream("/traces/" + name)) {
                    files.add(RunIdentity.digest("traces/" + name + " (shipped)", in));
                }
            }
        } else {
            traces.forEach(t -> files.add(RunIdentity.digest(t)));
        }
        RunIdentity identity = RunIdentity.ofCacheSim(files, format, vms, part.count(), seed, config.shiftTime(), config.shiftSpace(),
                limit, chosen.stream().map(CachePolicy::cliName).toList(), sizes);
        ShardOutput shardOut = ShardOutput.open(out, identity, part.index());
        shardOut.ready();
        int exit;
        try {
            exit = print(CacheSim.runShard(config, part));
        } catch (RuntimeException e) {
            shardOut.failed(e);
            throw e;
        }
        shardOut.ended();
        return exit;
    }

    /** Prints the result (table or JSON) and writes --out. */
    private int print(CacheSimResult r) throws IOException {
        CommandLine cl = spec.commandLine();
        PrintWriter stdout = cl.getOut();
        if (json) {
            stdout.println(CacheSimReport.json(r));
            stdout.flush();
        } else {
            CacheSimReport.printTable(r, stdout);
        }
        if (out != null) {
            CacheSimReport.writeDir(r, out);
            cl.getErr().println("wrote " + out.resolve("report.json") + ", " + CacheSimReport.PNG + " and report.html");
            cl.getErr().flush();
        }
        return ExitCodes.OK;
    }

    private List<String> sizeArgs() {
        return sizes.stream().map(b -> b % (1 << 30) == 0 ? (b >> 30) + "GiB" : b % (1 << 20) == 0 ? (b >> 20) + "MiB" : Long.toString(b)).toList();
    }

    private PageTrace read(TraceReader reader) {
        try (reader) {
            return PageTrace.read(reader, limit);
        }
    }
}
