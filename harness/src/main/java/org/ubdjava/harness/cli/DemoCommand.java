package org.ubdjava.harness.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.Preallocation;
import org.ubdjava.core.io.Cleanup;
import org.ubdjava.core.process.Processes;
import org.ubdjava.harness.bench.ReplayBench;
import org.ubdjava.harness.bench.ReplayBenchReport;
import org.ubdjava.harness.replay.DemoImage;
import org.ubdjava.harness.replay.Replay;
import org.ubdjava.harness.replay.ReplayOptions;
import org.ubdjava.harness.replay.ReplayResult;
import org.ubdjava.harness.replay.ReplayOptions.Shift;
import org.ubdjava.harness.replay.ReplayOptions;
import org.ubdjava.harness.trace.TraceFormat;
import org.ubdjava.harness.trace.TraceReaders;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Replay the fio trace shipped with ubd across 16 VMs over a 64 MiB backing image, with full verification;",
                "VM i starts at i/16 of the trace (--shift-time), so the VMs are at different points of it at once.",
                "Works in a temporary directory, removed afterwards (unless --keep)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every check passed", "1:a check failed"})
public final class DemoCommand implements Callable<Integer> {
    static final String TRACE = "/traces/demo.iolog";
    static final long IMAGE_BYTES = 64L << 20;
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
            // VMs start at different points of the trace, as VMs of one host do
            ReplayOptions o = new ReplayOptions(List.of(DemoCommand::demoTrace), "ubd0=" + dir.resolve("vm.cow") + "," + backing,
                    VMS, 16, 0, 1, Shift.EVEN, Shift.NONE, 0, false, 2, Long.MAX_VALUE, null, keep ? dir.resolve("report") : null, 0,
                    Preallocation.OFF);
            ReplayResult result = Replay.run(o);
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

    /** One line: fio's own replay of the same trace, 16 jobs, nothing verified (when fio is installed). */
    private void compareWithFio(ReplayResult ours, Path backing, Path dir) throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Optional<Path> fio = Processes.onPath("fio");
        if (fio.isEmpty()) {
            out.println("  (fio not installed: no comparison with fio's own replay; apt-get install -y fio)");
            out.flush();
            return;
        }
        Path trace = dir.resolve("demo.iolog");
        try (InputStream in = DemoCommand.class.getResourceAsStream(TRACE)) {
            Files.copy(in, trace);
        }
        try {
            ReplayBenchReport.Row f = ReplayBench.fioReplay(fio.get(), trace, backing, VMS, dir.resolve("fio"));
            out.printf(Locale.ROOT, "  fio's own replay of the same trace (%d jobs, a copy of the backing each, nothing verified): "
                    + "%.0f IOPS; ours %.0f IOPS with every read verified: %.2fx fio%n", VMS, f.iops(), ours.ioIops(), ours.ioIops() / f.iops());
        } catch (UbdException e) {
            out.println("  (fio's replay failed: " + e.getMessage() + ")");
        }
        out.flush();
    }

    private static org.ubdjava.harness.trace.TraceReader demoTrace() {
        InputStream in = DemoCommand.class.getResourceAsStream(TRACE);
        if (in == null) {
            throw new UbdException(TRACE + ": missing from the jar");
        }
        return TraceReaders.open(Path.of("demo.iolog"), in, TraceFormat.FIO_IOLOG);
    }
}
