package org.ubdjava.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.ubdjava.harness.report.Json;
import org.ubdjava.harness.shard.Merged;
import org.ubdjava.harness.shard.ShardMerge;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merge the results of a replay's shards into one report of the whole run, in the replay's format.", "",
                "Each DIR is a shard's --out directory (ubd replay --shard K/N --out DIR). Counts and bytes are summed, latency",
                "percentiles come from the shards' histograms added together (never averaged), IOPS are over the union of the",
                "shards' wall-clock windows, per_trace likewise; every problem names its shard (and VM). \"merge\" in the JSON",
                "says how far apart the shards' I/O started (skew_ms) and what each shard did.",
                "The run's shard count is in every shard's record, so a shard whose directory is absent is found. Exit 1,",
                "naming each, when a shard is missing, duplicated, did not finish (killed), failed a check, or belongs to",
                "another run (other traces, SPEC, options or backing file, by content); nothing is then reported as passed.",
                "The shards of `ubd cache-sim --shard K/N --out DIR` merge the same way: their private caches' hits and",
                "accesses added up at each policy and size."})
public final class ReportMergeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the merged report as JSON.")
    boolean json;

    @Parameters(paramLabel = "DIR", arity = "1..*", description = "The shards' result directories.")
    List<Path> dirs;

    @Override
    public Integer call() {
        Merged r = ShardMerge.merge(dirs);
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? Json.write(r) + "\n" : r.summary());
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        for (String line : r.problems()) {
            err.println(line);
        }
        if (r.problemsNotPrinted() > 0) {
            err.println("... and " + r.problemsNotPrinted() + " more problems the shards found (see their reports)");
        }
        err.flush();
        return r.passed() ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
