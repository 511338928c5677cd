package org.ubdjava.cli;

import org.ubdjava.harness.report.Progress;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowMerger;
import org.ubdjava.core.Printable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "moo", mixinStandardHelpOptions = true, sortOptions = false,
        customSynopsis = {"ubd moo [-b BACKING] [--allow-backing-dir DIR]... COW NEWFILE", "       ubd moo [-b BACKING] [--allow-backing-dir DIR]... -d COW"},
        description = {"Merge a COW file with its backing file, like uml_moo.", "",
                "NEWFILE gets the same bytes as uml_moo's output and the same holes: all-zero sectors are left",
                "unwritten, the last sector is always written. A trailing partial sector of the backing file is",
                "dropped, as uml_moo does. Reads v1, v2, v3 and the old 64-bit v3 layout.",
                "",
                "Differences from uml_moo, on purpose:",
                "  * options in any order;",
                "  * NEWFILE is written under a temporary name and renamed: it appears whole or not at all;",
                "  * refuses to write NEWFILE over the backing file or the COW file (uml_moo destroys the",
                "    backing file then), over a file that is not a regular file (a FIFO, /dev/null), or",
                "    over one another process holds (locked, or open where leases tell);",
                "  * -d refuses while another process (a running UML) holds a lock on the backing file, and",
                "    warns that every COW file on that backing file becomes invalid (its mtime changes);",
                "  * a corrupt header (alignment or sector size 0, ...) is an error, not a crash;",
                "  * v1/v2 files: the last sectors' bits are read from where the kernel wrote them (B5)."})
public final class MooCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "-b", paramLabel = "BACKING", description = "Use this backing file instead of the one the header names (still checked for size and mtime).")
    Path backing;

    @Option(names = "-d", description = "Merge into the backing file in place (destructive).")
    boolean inPlace;

    @Mixin
    BackingDirsOption backingDirs = new BackingDirsOption();

    @Parameters(index = "0", paramLabel = "COW", description = "The COW file.")
    Path cow;

    // a positional of its own: a third argument is then picocli's unmatched argument, never ignored
    @Parameters(index = "1", arity = "0..1", paramLabel = "NEWFILE", description = "The new image to write (not with -d).")
    Path newFile;

    @Override
    public Integer call() {
        if (inPlace != (newFile == null)) {
            throw new ParameterException(spec.commandLine(), inPlace
                    ? "with -d give only the COW file, not NEWFILE " + Printable.escape(String.valueOf(newFile))
                    : "give the COW file and the new file (or -d to merge in place)");
        }
        long total;
        try (CowFile f = CowFile.open(cow)) {
            total = CowMerger.totalBytes(f.header());
        } catch (java.io.IOException e) {
            total = 0;
        }
        try (Progress progress = Progress.of("merge", total)) {
            if (inPlace) {
                CowMerger.Result r = CowMerger.mergeInPlace(cow, backing, progress, backingDirs.policy());
                spec.commandLine().getErr().println(Printable.escape("ubd moo: merged " + r.sectorsFromCow() + " sectors into \""
                        + r.output() + "\" in place: its mtime changed, so every COW file made on it (this one too) is now invalid"));
            } else {
                CowMerger.mergeInto(cow, backing, newFile, progress, backingDirs.policy());
            }
        }
        return ExitCodes.OK;
    }
}
