package org.ubdjava.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import java.io.IOException;
import java.nio.file.Files;

import org.ubdjava.core.format.ContentDigest;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.Preallocation;
import org.ubdjava.harness.report.Progress;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "mkcow", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Create a COW file over BACKING, like uml_mkcow.", "",
                "A v3 header (512-byte sectors, 4096 alignment), the absolutised backing path, and a sparse",
                "file of length data_offset + size.",
                "",
                "Differences from uml_mkcow, on purpose:",
                "  * the file appears whole or not at all: a failure leaves no 0-byte file behind;",
                "  * -f gives a clean COW file (uml_mkcow -f keeps the old bitmap and data), and only",
                "    replaces a regular COW file (never a FIFO, a device or another kind of file), and",
                "    none that another process holds: a lock (its pid is named) or, where the file",
                "    system grants leases, any open descriptor (a running UML or ubd serve would go on",
                "    writing to the replaced file and lose what it wrote);",
                "  * BACKING must be a regular, non-empty plain image: not the COW file, not a COW file",
                "    (the kernel follows no chain: merge it first with ubd moo), not 0 bytes (a disk no",
                "    write fits on);",
                "  * unused header bytes are zero (uml_mkcow leaves heap bytes there)."})
public final class MkcowCommand implements Callable<Integer> {
    @Option(names = "-f", description = "Replace an existing COW file with a clean one.")
    boolean force;

    @Option(names = "--preallocate", paramLabel = "HOW", defaultValue = "off", converter = PreallocationConverter.class,
            description = "off: a sparse file, as uml_mkcow makes (default). falloc: every block reserved with fallocate, "
                    + "as qemu-img's preallocation=falloc: the file takes the whole device's room at once, a first write to "
                    + "a sector costs an overwrite, and a full disk shows now, not in the middle of a guest's writes. "
                    + "The content is the same.")
    Preallocation preallocate;

    @Option(names = "--content-id", description = "Keep the digest (SHA-256) of BACKING's whole content in unused bytes of the "
            + "header, which the kernel and uml_moo never read: BACKING is read once, and can then be found again by its content "
            + "after a move or a copy that lost its mtime (ubd rebase --find), and told from a changed file. An existing COW file "
            + "gets one with ubd rebase --add-content-id.")
    boolean contentId;

    @Parameters(index = "0", paramLabel = "COW", description = "The COW file to create.")
    Path cow;

    @Parameters(index = "1", paramLabel = "BACKING", description = "The backing file (stored as an absolute path).")
    String backing;

    @Override
    public Integer call() {
        if (!contentId) {
            CowCreator.create(cow, backing, force, preallocate);
            return ExitCodes.OK;
        }
        try (Progress bar = Progress.of("digest", sizeOrZero(backing))) {
            CowCreator.create(cow, backing, force, preallocate, ContentDigest.DEFAULT, bar);
        }
        return ExitCodes.OK;
    }

    /** For the bar only: the file's size, or 0 (no bar) when it is not a regular file, which create refuses in its own words. */
    private static long sizeOrZero(String file) {
        try {
            Path p = Path.of(file);
            return Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
