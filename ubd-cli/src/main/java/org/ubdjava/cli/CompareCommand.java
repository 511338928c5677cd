package org.ubdjava.cli;

import static org.ubdjava.core.Sectors.SECTOR;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.ubdjava.core.Printable;
import org.ubdjava.core.rebase.ImageCompare;
import org.ubdjava.harness.report.Json;
import org.ubdjava.harness.report.Progress;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Tell whether two raw images have the same content, like qemu-img compare.", "",
                "OLD and NEW are compared in 512-byte sectors, each read as its bytes followed by zeros (as a device",
                "reads past its file's end): images of different sizes are identical when the longer one's extra bytes",
                "are all zeros, and the sizes are shown. Holes are not read: a range that is a hole in both files is",
                "equal unread, and a hole in one is compared against zeros. The files are compared as they are: a COW",
                "file as its bytes, not as the device it shows (merge it with ubd moo first). This is the walk",
                "ubd rebase --safe makes between the old and the new backing file.",
                "",
                "Exit 0: identical. Exit 1: they differ, said in one line on stderr (\"OLD and NEW differ at byte N\");",
                "also exit 1, with one line naming the file, when one cannot be compared (missing, not a regular",
                "file, unreadable). qemu-img compare exits 2 for an error; here 2 is only ever a wrong command line."})
public final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object: sizes, bytes compared and read, and every differing range "
            + "{offset, length} in bytes (whole sectors, adjacent ones joined).")
    boolean json;

    @Parameters(index = "0", paramLabel = "OLD", description = "The first image.")
    Path first;

    @Parameters(index = "1", paramLabel = "NEW", description = "The second image.")
    Path second;

    /** What {@code --json} prints. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Report(String first, String second, long firstSize, long secondSize, boolean sameSize, boolean identical,
                  Long firstDifferingByte, int granularity, long bytesCompared, long bytesRead, long bytesDiffering,
                  List<ImageCompare.Range> differing) {
    }

    @Override
    public Integer call() {
        ImageCompare.Result r;
        try (Progress progress = Progress.of("compare", Math.max(sizeOrZero(first), sizeOrZero(second)))) {
            r = ImageCompare.compare(first, second, SECTOR, progress);
        }
        Long at = r.identical() ? null : ImageCompare.firstDifferingByte(first, second, r.firstDifference().getAsLong(), r.granularity());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(new Report(first.toString(), second.toString(), r.firstSize(), r.secondSize(), r.sameSize(),
                    r.identical(), at, r.granularity(), r.bytesCompared(), r.bytesRead(), r.bytesDiffering(), r.differing())));
        } else if (r.identical()) {
            out.println(Printable.escape(first + " and " + second + " are identical" + (r.sameSize() ? ""
                    : " (sizes differ: " + r.firstSize() + " and " + r.secondSize() + " bytes; the longer one's extra bytes are zeros)")));
        }
        out.flush();
        if (r.identical()) {
            return ExitCodes.OK;
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println(Printable.escape(first + " and " + second + " differ at byte " + at + " (" + r.bytesDiffering() + " bytes in "
                + r.differing().size() + (r.differing().size() == 1 ? " range" : " ranges") + " of whole sectors differ"
                + (r.sameSize() ? "" : "; sizes " + r.firstSize() + " and " + r.secondSize()) + ")"));
        err.flush();
        return ExitCodes.FAILED;
    }

    private static long sizeOrZero(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
