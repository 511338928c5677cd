package org.ubdjava.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.ubdjava.core.Printable;
import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.ContentId;
import org.ubdjava.core.format.ContentIdState;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.format.CowInfo.ContentIdInfo;
import org.ubdjava.core.format.CowRebaser;
import org.ubdjava.core.rebase.ContentIdentity;
import org.ubdjava.core.rebase.SafeRebase;
import org.ubdjava.harness.report.Json;
import org.ubdjava.harness.report.Progress;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "rebase", mixinStandardHelpOptions = true, sortOptions = false,
        customSynopsis = {"ubd rebase [--json] COW NEWBACKING",
                "       ubd rebase --safe [--json] COW... NEWBACKING",
                "       ubd rebase --find [--json] DIR... COW",
                "       ubd rebase --add-content-id [--json] COW"},
        description = {"Point COW files at another backing file: moved, copied, or upgraded.", "",
                "COW NEWBACKING: the kernel's switch. Rewrites the header's path to NEWBACKING when its size and mtime",
                "match the header (NEWBACKING is the same file, moved or copied with cp -p). Only the path field is",
                "rewritten, in the header's own version: v1 and v2 files stay v1 and v2 (the kernel rewrites them as v3",
                "and corrupts their bitmap, bug B6).",
                "",
                "--safe COW... NEWBACKING: NEWBACKING has other content (an upgraded base), and every device keeps",
                "its bytes, as qemu-img rebase without -u. Each sector a COW file does not hold and where the old",
                "backing file (the one its header names, unchanged) and NEWBACKING differ is copied from the old one",
                "into the COW file first (data, synced, then its bits, synced); then the header names NEWBACKING",
                "(path, mtime, size), in its own version. A crash at any point leaves each COW file valid over the",
                "backing file its header names, showing the same bytes. Many COW files over one base are done in one",
                "walk: each differing range of the old backing file is read once for all of them. A larger NEWBACKING",
                "grows the device (the kernel sizes it by its backing file; the new sectors read NEWBACKING's bytes),",
                "when the bitmap has room for it; a smaller one, or one needing the data area moved, is refused.",
                "",
                "--find DIR... COW: the backing file was moved or copied and lost its mtime. Among the files given and",
                "the regular files directly in the directories given, finds the one with the size and content the",
                "COW file's content id records, and points the header at it (path and mtime). A candidate with the",
                "size but another content (one byte changed) is refused. The backing file itself is only read.",
                "",
                "--add-content-id COW: keeps the digest (SHA-256) of the backing file's whole content in unused bytes",
                "of the COW file's v3 header, which the kernel and uml_moo never read; taken only while the backing",
                "file is the one the header records (size and mtime). ubd mkcow --content-id makes one at creation.",
                "ubd info shows it, ubd check --verify-content checks it, --find uses it; --safe renews it.",
                "",
                "Every refusal exits 1 with one line naming the file, and changes nothing: a COW file in use (locked",
                "by a running UML or ubd serve, or open elsewhere), an old backing file missing or changed, a new",
                "backing file that is a COW file, empty, or locked for writing."})
public final class RebaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--safe", description = "Keep every device's bytes over a backing file of other content (see above).")
    boolean safe;

    @Option(names = "--find", description = "Find the backing file by its content id among DIR... (files or directories).")
    boolean find;

    @Option(names = "--add-content-id", description = "Keep the backing file's content id in the COW file's header.")
    boolean addContentId;

    @Option(names = "--json", description = "Print one JSON object of what was done: with --safe, for each COW file the sectors "
            + "compared (those it does not hold), differing and copied, the data bytes written, and the device's size before and after.")
    boolean json;

    @Parameters(paramLabel = "FILE", arity = "0..*",
            description = "COW NEWBACKING; with --safe COW... NEWBACKING; with --find DIR... COW; with --add-content-id COW.")
    List<String> files = new ArrayList<>();

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Switched(String cow, String backingFile) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record SafeCow(String cow, String oldBacking, String newBacking, int version, long oldDeviceBytes, long newDeviceBytes,
                   boolean deviceGrew, long sectorsCompared, long sectorsDiffering, long sectorsCopied, long bytesWritten,
                   ContentIdInfo contentId) {
        static SafeCow of(SafeRebase.Outcome o) {
            return new SafeCow(o.cow().toString(), o.oldBacking(), o.newBacking(), o.version(), o.oldDeviceBytes(), o.newDeviceBytes(),
                    o.deviceGrew(), o.sectorsCompared(), o.sectorsDiffering(), o.sectorsCopied(), o.bytesWritten(),
                    o.contentId() == null ? null : ContentIdInfo.of(o.contentId()));
        }
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record SafeReport(String newBacking, long newBackingSize, long bytesRead, List<SafeCow> cows) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Rejected(String file, String why) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record FoundReport(String cow, String backingFile, long mtime, boolean headerChanged, List<Rejected> rejected) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record IdReport(String cow, String backingFile, long size, long mtime, ContentIdInfo contentId) {
    }

    @Override
    public Integer call() {
        int modes = (safe ? 1 : 0) + (find ? 1 : 0) + (addContentId ? 1 : 0);
        if (modes > 1) {
            throw usage("--safe, --find and --add-content-id are different jobs: give one of them");
        }
        if (safe) {
            return safe();
        }
        if (find) {
            return find();
        }
        if (addContentId) {
            return addContentId();
        }
        return plain();
    }

    private int plain() {
        if (files.size() != 2) {
            throw usage(files.size() < 2 ? "give the COW file and NEWBACKING"
                    : "the kernel's switch takes one COW file and NEWBACKING (several COW files onto one new backing file: --safe)");
        }
        Path cow = path(files.get(0), "COW");
        String stored = CowRebaser.rebase(cow, files.get(1));
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? Json.write(new Switched(cow.toString(), stored))
                : Printable.escape(cow + ": backing file is now \"" + stored + "\""));
        out.flush();
        return ExitCodes.OK;
    }

    private int safe() {
        if (files.size() < 2) {
            throw usage("--safe needs at least one COW file and then NEWBACKING, the target last (as cp and mv take it)");
        }
        List<Path> cows = new ArrayList<>();
        for (String f : files.subList(0, files.size() - 1)) {
            cows.add(path(f, "COW"));
        }
        String newBacking = files.get(files.size() - 1);
        path(newBacking, "NEWBACKING");
        SafeRebase.Report r;
        try (LateProgress bar = new LateProgress("rebase")) {
            r = SafeRebase.rebase(cows, newBacking, SafeRebase.Options.DEFAULT.withProgress(bar::update));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(new SafeReport(r.newBacking(), r.newBackingSize(), r.bytesRead(),
                    r.cows().stream().map(SafeCow::of).toList())));
        } else {
            for (SafeRebase.Outcome o : r.cows()) {
                out.println(Printable.escape(o.cow() + ": backing file is now \"" + o.newBacking() + "\": " + o.sectorsCompared()
                        + " sectors compared (those it does not hold), " + o.sectorsDiffering() + " differing, " + o.sectorsCopied()
                        + " copied (" + o.bytesWritten() + " data bytes written)"
                        + (o.deviceGrew() ? "; the device grows from " + o.oldDeviceBytes() + " to " + o.newDeviceBytes()
                        + " bytes (the kernel sizes it by its backing file)" : "")
                        + (o.contentId() != null ? "; content id renewed" : "")));
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private int find() {
        if (files.size() < 2) {
            throw usage("--find needs at least one DIR (or file) to search, and then the COW file, last");
        }
        List<Path> candidates = new ArrayList<>();
        for (String f : files.subList(0, files.size() - 1)) {
            candidates.add(path(f, "DIR"));
        }
        Path cow = path(files.get(files.size() - 1), "COW");
        ContentIdentity.Found found;
        try (Progress bar = Progress.of("find", candidateBytes(cow, candidates))) {
            found = ContentIdentity.find(cow, candidates, bar);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(new FoundReport(cow.toString(), found.storedPath(), found.storedMtime(), found.headerChanged(),
                    found.rejected().stream().map(x -> new Rejected(x.file().toString(), x.why())).toList())));
        } else {
            for (ContentIdentity.Rejected x : found.rejected()) {
                out.println(Printable.escape(cow + ": not " + x.file() + ": " + x.why()));
            }
            out.println(Printable.escape(cow + (found.headerChanged()
                    ? ": backing file is now \"" + found.storedPath() + "\" (found by its content id; mtime " + found.storedMtime() + ")"
                    : ": its header already names \"" + found.storedPath() + "\", which has its backing file's content")));
        }
        out.flush();
        return ExitCodes.OK;
    }

    private int addContentId() {
        if (files.size() != 1) {
            throw usage("--add-content-id takes one COW file");
        }
        Path cow = path(files.get(0), "COW");
        ContentId id;
        try (Progress bar = Progress.of("digest", headerSize(cow))) {
            id = ContentIdentity.add(cow, bar);
        }
        String backing = CowHeaderReader.read(cow).backingFile();
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? Json.write(new IdReport(cow.toString(), backing, id.size(), id.mtime(), ContentIdInfo.of(id)))
                : Printable.escape(cow + ": content id " + id.text() + " of \"" + backing + "\" (" + id.size() + " bytes)"));
        out.flush();
        return ExitCodes.OK;
    }

    /** The backing file's size as the header records it, for the bar; 0 (no bar) when it cannot be read: the command says why. */
    private static long headerSize(Path cow) {
        try {
            return CowHeaderReader.read(cow).size();
        } catch (UbdException e) {
            return 0;
        }
    }

    /** The bytes --find may digest, for the bar: the candidates of the recorded size. */
    private static long candidateBytes(Path cow, List<Path> candidates) {
        long size;
        try {
            ContentIdState s = ContentIdentity.read(cow);
            if (!s.valid()) {
                return 0;
            }
            size = s.id().size();
        } catch (UbdException e) {
            return 0;
        }
        long total = 0;
        for (Path c : candidates) {
            try {
                if (Files.isDirectory(c)) {
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(c)) {
                        for (Path p : ds) {
                            total += Files.isRegularFile(p) && Files.size(p) == size ? size : 0;
                        }
                    }
                } else if (Files.isRegularFile(c) && Files.size(c) == size) {
                    total += size;
                }
            } catch (IOException | RuntimeException e) {
                // find names the candidate it cannot read
            }
        }
        return total;
    }

    private Path path(String s, String label) {
        try {
            return Path.of(s);
        } catch (InvalidPathException e) {
            throw usage(label + " " + s + ": not a path (" + e.getReason() + ")");
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
