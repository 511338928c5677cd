package org.ubdjava.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.io.Cleanup;
import org.ubdjava.realtools.Processes;
import org.ubdjava.bench.compare.ReplayBench;
import org.ubdjava.bench.compare.ReplayBenchReport;
import org.ubdjava.harness.cachesim.ShippedTraces;
import org.ubdjava.core.io.DemoImage;
import org.ubdjava.harness.replay.Replay;
import org.ubdjava.harness.replay.ReplayOptions;
import org.ubdjava.harness.replay.ReplayOptions.Shift;
import org.ubdjava.harness.replay.ReplayResult;
import org.ubdjava.harness.trace.TraceReader;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Replay real guests' workloads across 16 VMs over one backing image, every read verified.", "",
                "The backing image is 320 MiB; the workloads are the traces that ship with ubd, recorded from",
                "User-Mode Linux guests through `ubd serve --record` (find/tar/grep, cp -a and mkfs over ext4);",
                "VM i replays trace i mod 3 and starts at i/16 of it",
                "(--shift-time), so the VMs are at different points at once. With fio installed, one line against fio's",
                "own replay of the same traces. Works in a temporary directory, removed afterwards (unless --keep)."})
public final class DemoCommand implements Callable<Integer> {
    /** The disk the guest traces were recorded on. */
    static final long IMAGE_BYTES = 320L << 20;
    static final int VMS = 16;

    @Spec
    CommandSpec spec;

    @Option(names = "--keep", description = "Keep the temporary directory (backing image, COW files, report).")
    boolean keep;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Path dir = Files.createTempDirectory("ubd-demo-");
        try {
            Path backing = dir.resolve("base.img");
            DemoImage.create(backing, IMAGE_BYTES, 3, 42); // data in every third MiB, holes between
            // VMs start at different points of their traces, as VMs of one host do
            List<Supplier<TraceReader>> traces = ShippedTraces.NAMES.stream()
                    .<Supplier<TraceReader>>map(name -> () -> ShippedTraces.open(name)).toList();
            ReplayOptions o = ReplayOptions.builder(traces, "ubd0=" + dir.resolve("vm.cow") + "," + backing)
                    .vms(VMS).shifts(Shift.EVEN, Shift.NONE).out(keep ? dir.resolve("report") : null).build();
            ReplayResult result = Replay.run(o, Replay.DEFAULT_WARM_UP_MILLIS);
            int exit = ReplayCommand.report(spec, result, json, o.out());
            if (!json) {
                compareWithFio(result, backing, dir);
            }
            if (keep) {
                spec.commandLine().getErr().println("kept " + dir);
            }
            return exit;
        } finally {
            if (!keep) {
                Cleanup.deleteTree(dir);
            }
        }
    }

    /** One line: fio's own replay of the same traces, 16 jobs, nothing verified (when fio is installed). */
    private void compareWithFio(ReplayResult ours, Path backing, Path dir) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Optional<Path> fio = Processes.onPath("fio");
        if (fio.isEmpty()) {
            out.println("  (fio not installed: no comparison with fio's own replay; apt-get install -y fio)");
            out.flush();
            return;
        }
        List<Path> traces = new ArrayList<>();
        for (String name : ShippedTraces.NAMES) {
            traces.add(ShippedTraces.extract(name, dir));
        }
        try {
            ReplayBenchReport.Row f = ReplayBench.fioReplay(fio.get(), traces, backing, VMS, dir.resolve("fio"));
            out.printf(Locale.ROOT, "  fio's own replay of the same traces (%d jobs, a copy of the backing each, nothing verified, "
                    + "no trims: fio does not trim a file): %.0f IOPS; ours %.0f IOPS with every read verified: %.2fx fio%n",
                    VMS, f.iops(), ours.ioIops(), ours.ioIops() / f.iops());
        } catch (UbdException e) {
            out.println("  (fio's replay failed: " + e.getMessage() + ")");
        }
        out.flush();
    }
}
