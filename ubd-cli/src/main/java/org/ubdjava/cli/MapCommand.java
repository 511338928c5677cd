package org.ubdjava.cli;

import org.ubdjava.harness.report.Json;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowInspector;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "map", mixinStandardHelpOptions = true,
        description = {"Show where each range of the device comes from, like qemu-img map.", "",
                "The COW file or the backing file, and whether that file holds data there or a hole (reads as zeros)."})
public final class MapCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print a JSON array of extents {start, length, source, offset, data}.")
    boolean json;

    @Parameters(paramLabel = "COW")
    Path cow;

    @Override
    public Integer call() {
        List<CowInspector.Extent> extents;
        try (CowFile f = CowFile.open(cow)) {
            extents = CowInspector.map(f);
        } catch (IOException e) {
            throw new UbdException(cow + ": " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(extents));
        } else {
            out.printf("%-16s %-16s %-8s %-16s %s%n", "Offset", "Length", "Source", "File offset", "Data");
            for (CowInspector.Extent e : extents) {
                out.printf("0x%-14x 0x%-14x %-8s 0x%-14x %s%n", e.start(), e.length(), e.source(), e.offset(), e.data() ? "data" : "zero");
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
