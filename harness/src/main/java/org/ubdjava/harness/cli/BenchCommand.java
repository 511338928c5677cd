package org.ubdjava.harness.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.ubdjava.driver.cache.CachePolicy;
import org.ubdjava.harness.bench.BenchReport;
import org.ubdjava.harness.bench.BenchRun;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Run the same workloads, in one run, on the raw host file, on our driver (without and with the shared",
                "backing cache), and where installed on qcow2 (qemu-img bench) and the real UML driver (fio in the guest);",
                "print IOPS, MB/s, latency and ratios to the raw host file, and the shared-vs-private cache study on the",
                "CloudPhysics trace. Tools that are not installed are skipped with a line saying so."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the benchmark ran (targets missed are reported, not failures)", "1:a run failed"})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "About a minute: 256 MiB backing file, short runs, a coarse cache-size ladder in the study.")
    boolean quick;

    @Option(names = "--json", description = "Print the report as JSON instead of the table.")
    boolean json;

    @Option(names = "--out", paramLabel = "DIR", description = "Write report.json and charts (PNG) to DIR.")
    Path out;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "${java.io.tmpdir}/ubd-bench-cli",
            description = "Where the benchmark's files live (reused between runs; default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--trace", paramLabel = "FILE",
            description = "The CloudPhysics vscsi trace (cloudPhysicsIO.vscsi) for the trace workload and the cache study; "
                    + "without it, or if absent, those are skipped with a line.")
    Path trace;

    @Option(names = "--cache-policy", paramLabel = "POLICY", defaultValue = "clock",
            description = "Policy of the shared cache in the driver+cache rows: lru, clock, w-tinylfu (default: ${DEFAULT-VALUE}, "
                    + "the cheapest hit; the cache study compares all three on the trace).")
    String policy;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        BenchReport report = new BenchRun(quick, dir, trace, CachePolicy.parse(policy), err).run();
        if (json) {
            stdout.println(report.json());
            stdout.flush();
        } else {
            report.printTable(stdout);
        }
        if (out != null) {
            report.writeDir(out);
            err.println("wrote " + out.resolve("report.json") + " and charts");
            err.flush();
        }
        return ExitCodes.OK;
    }
}
