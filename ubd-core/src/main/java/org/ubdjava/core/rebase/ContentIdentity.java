package org.ubdjava.core.rebase;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongConsumer;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.format.BackingFile;
import org.ubdjava.core.format.ContentDigest;
import org.ubdjava.core.format.ContentId;
import org.ubdjava.core.format.ContentIdLayout;
import org.ubdjava.core.format.ContentIdState;
import org.ubdjava.core.format.CowFile;
import org.ubdjava.core.format.CowHeader;
import org.ubdjava.core.format.CowHeaderReader;
import org.ubdjava.core.format.CowPaths;
import org.ubdjava.core.io.Buffers;
import org.ubdjava.core.io.RegularFiles;

/**
 * A backing identity that survives a copy: the digest of the backing file's content, kept in the
 * COW header ({@link ContentIdLayout}), which finds the file again after a move or a copy that lost
 * its mtime, and tells a copy from a changed file (one byte is enough).
 *
 * <ul>
 * <li>{@link #add}: takes the id of the backing file the header names, only while it is the one
 *     the header records (size and mtime): an id taken of a changed file would bless it.</li>
 * <li>{@link #read} and {@link #verify}: what {@code ubd info} shows and {@code ubd check} checks.</li>
 * <li>{@link #find}: among candidate files and directories, the file of the recorded size and
 *     digest; the header is then pointed at it (path and mtime, with the id's mtime renewed in the
 *     same write). The backing file is only read, never touched.</li>
 * </ul>
 */
public final class ContentIdentity {
    private ContentIdentity() {
    }

    /** The COW file's content id as its header holds it; no backing file is read. */
    public static ContentIdState read(Path cow) {
        RegularFiles.require(cow, CowFile.ROLE);
        try (FileChannel ch = FileChannel.open(cow, StandardOpenOption.READ)) {
            return ContentIdLayout.read(ch, CowHeaderReader.read(ch, cow.toString()));
        } catch (IOException e) {
            throw new UbdException(cow + ": cannot read: " + CowPaths.describe(e), e);
        }
    }

    /**
     * Adds (or renews) the content id of the backing file the header names.
     *
     * @param progress told the bytes of the backing file digested
     * @return the id written
     */
    public static ContentId add(Path cow, LongConsumer progress) {
        return add(cow, progress, CowWriter.Factory.DIRECT);
    }

    static ContentId add(Path cow, LongConsumer progress, CowWriter.Factory writers) {
        try (LockedCow file = LockedCow.open(cow, "not adding a content id")) {
            CowHeader h = file.header;
            ContentIdLayout.noRoom(h).ifPresent(why -> {
                throw new UbdException(cow + ": " + why);
            });
            ByteBuffer place = ByteBuffer.allocate(ContentIdLayout.LENGTH);
            Buffers.readOrZeros(file.channel, place, ContentIdLayout.OFFSET);
            if (!ContentIdLayout.free(place.flip())) {
                throw new UbdException(cow + ": bytes " + ContentIdLayout.OFFSET + " to " + (ContentIdLayout.END - 1)
                        + " hold data of another program; not writing a content id over them");
            }
            Path backing = CowPaths.resolve(h.backingFile());
            BackingFile.refuseSelf(cow, backing);
            BackingFile before = headerBacking(cow, h, backing, "a content id is taken only of the backing file the header names, unchanged");
            byte[] digest;
            try (FileChannel ch = FileChannel.open(backing, StandardOpenOption.READ)) {
                if (BackingFile.hasCowMagic(ch)) {
                    throw new UbdException(cow + ": " + BackingFile.cowItself(backing));
                }
                digest = ContentDigest.digest(ch, before.size(), ContentDigest.DEFAULT, progress);
            }
            headerBacking(cow, h, backing, "it changed while its digest was taken");
            ContentId id = new ContentId(ContentDigest.DEFAULT, h.size(), h.mtime(), digest);
            CowWriter w = writers.of(cow, file.channel);
            w.write(ByteBuffer.wrap(ContentIdLayout.encode(id)), ContentIdLayout.OFFSET);
            w.sync();
            return id;
        } catch (IOException e) {
            throw new UbdException(cow + ": " + CowPaths.describe(e), e);
        }
    }

    /** Stats the header's backing file and refuses it unless size and mtime are the header's. */
    private static BackingFile headerBacking(Path cow, CowHeader h, Path backing, String why) {
        BackingFile b;
        try {
            b = BackingFile.stat(backing);
        } catch (UbdException e) {
            throw new UbdException(cow + ": " + e.getMessage() + "; " + why);
        }
        b.mismatch(h).ifPresent(m -> {
            throw new UbdException(cow + ": " + m + "; " + why);
        });
        return b;
    }

    /**
     * What {@code ubd check} finds: whether the backing file the header names has the content the id records.
     *
     * @param state   the id as read
     * @param backing the file digested; null when it was not (no valid id)
     * @param actual  its id; null when not digested
     * @param problem one line naming the COW file, or null when the id is valid and the content matches
     */
    public record Verification(Path cow, ContentIdState state, Path backing, ContentId actual, String problem) {
        public boolean matches() {
            return problem == null;
        }
    }

    /** Digests the backing file the header names and compares it with the id (progress: bytes digested). */
    public static Verification verify(Path cow, LongConsumer progress) {
        ContentIdState state = read(cow);
        if (!state.valid()) {
            String why = state.kind() == ContentIdState.Kind.NONE ? "has no content id" : state.problem();
            return new Verification(cow, state, null, null, cow + ": " + why);
        }
        CowHeader h = CowHeaderReader.read(cow);
        Path backing = CowPaths.resolve(h.backingFile());
        BackingFile.refuseSelf(cow, backing);
        ContentId actual;
        try {
            actual = ContentDigest.identify(backing, state.id().algorithm(), progress);
        } catch (UbdException e) {
            return new Verification(cow, state, backing, null, cow + ": " + e.getMessage());
        }
        String problem = null;
        if (!actual.sameContent(state.id())) {
            problem = cow + ": backing file \"" + backing + "\" does not have the content its content id records ("
                    + (actual.size() != state.id().size() ? "size " + actual.size() + " vs " + state.id().size()
                    : state.id().algorithm().displayName() + " differs") + ")";
        }
        return new Verification(cow, state, backing, actual, problem);
    }

    /** A candidate {@link #find} looked at and did not take, and why. */
    public record Rejected(Path file, String why) {
    }

    /**
     * What {@link #find} did.
     *
     * @param backing       the file found
     * @param storedPath    the path the header now names (absolutised)
     * @param storedMtime   the mtime it now records
     * @param headerChanged false when the header already named that file with that mtime
     * @param rejected      candidates of the right size that were not it
     */
    public record Found(Path cow, Path backing, String storedPath, long storedMtime, boolean headerChanged, List<Rejected> rejected) {
        public Found {
            rejected = List.copyOf(rejected);
        }
    }

    /**
     * Finds the backing file among {@code candidates} (files, and the regular files directly in
     * directories) by size, then digest, and points the header at it.
     *
     * @param progress told the bytes digested so far, over all candidates
     * @throws UbdException when the COW file has no valid id, or no candidate has its content; one
     *                      line naming the COW file and, when one had the size but not the content, that file
     */
    public static Found find(Path cow, List<Path> candidates, LongConsumer progress) {
        return find(cow, candidates, progress, CowWriter.Factory.DIRECT);
    }

    static Found find(Path cow, List<Path> candidates, LongConsumer progress, CowWriter.Factory writers) {
        try (LockedCow file = LockedCow.open(cow, "not rewriting its header")) {
            CowHeader h = file.header;
            ContentIdState state = ContentIdLayout.read(file.channel, h);
            if (!state.valid()) {
                throw new UbdException(cow + ": " + (state.kind() == ContentIdState.Kind.NONE
                        ? "has no content id to find its backing file by (add one while the backing file is right)"
                        : state.problem()));
            }
            ContentId want = state.id();
            String wantedName = Path.of(h.backingFile()).getFileName() == null ? "" : Path.of(h.backingFile()).getFileName().toString();
            List<Path> sized = candidatesOfSize(cow, candidates, want.size(), wantedName);
            if (sized.isEmpty()) {
                throw new UbdException(cow + ": no file of " + want.size() + " bytes (its backing file's size) among " + candidates);
            }
            List<Rejected> rejected = new ArrayList<>();
            long done = 0;
            for (Path c : sized) {
                long base = done;
                ContentId got;
                try (FileChannel ch = FileChannel.open(c, StandardOpenOption.READ)) {
                    if (BackingFile.hasCowMagic(ch)) {
                        rejected.add(new Rejected(c, "is a COW file"));
                        continue;
                    }
                } catch (IOException e) {
                    rejected.add(new Rejected(c, CowPaths.describe(e)));
                    continue;
                }
                try {
                    got = ContentDigest.identify(c, want.algorithm(), p -> progress.accept(base + p));
                } catch (UbdException e) {
                    rejected.add(new Rejected(c, e.getMessage()));
                    continue;
                }
                done = base + want.size();
                if (!got.sameContent(want)) {
                    rejected.add(new Rejected(c, "has the size (" + want.size() + " bytes) but not the content ("
                            + want.algorithm().displayName() + " differs): changed?"));
                    continue;
                }
                BackingFile stat = BackingFile.stat(c);
                if (!stat.mtimeFitsHeader()) {
                    rejected.add(new Rejected(c, "has mtime " + stat.mtimeSeconds() + ", which a COW header cannot hold (32 bits)"));
                    continue;
                }
                return pointAt(file, c, got.mtime(), want, rejected, writers);
            }
            Rejected first = rejected.get(0);
            throw new UbdException(cow + ": no candidate has its backing file's content: " + first.file() + " " + first.why()
                    + (rejected.size() > 1 ? " (and " + (rejected.size() - 1) + " more of that size)" : ""));
        } catch (IOException e) {
            throw new UbdException(cow + ": " + CowPaths.describe(e), e);
        }
    }

    private static Found pointAt(LockedCow file, Path backing, long storedMtime, ContentId want, List<Rejected> rejected,
                                 CowWriter.Factory writers) throws IOException {
        CowHeader h = file.header;
        String absolute = CowPaths.absolutise(backing.toString());
        if (absolute.equals(h.backingFile()) && storedMtime == h.mtime()) {
            return new Found(file.path, backing, absolute, storedMtime, false, rejected);
        }
        try {
            h.layout().encodePathField(absolute);
        } catch (UbdException e) {
            throw new UbdException(file.path + ": " + e.getMessage());
        }
        file.switchHeader(writers.of(file.path, file.channel), absolute, storedMtime, h.size(), want.withMtime(storedMtime));
        return new Found(file.path, backing, absolute, storedMtime, true, rejected);
    }

    /** Regular files of the size among the candidates, the ones named like the old backing file first (a moved file keeps its name). */
    private static List<Path> candidatesOfSize(Path cow, List<Path> candidates, long size, String wantedName) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path c : candidates) {
            RegularFiles.unresolvable(c).ifPresent(why -> {
                throw new UbdException(c + ": " + why);
            });
            if (Files.isDirectory(c)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(c)) {
                    for (Path p : ds) {
                        files.add(p);
                    }
                }
            } else if (Files.exists(c)) {
                files.add(c);
            } else {
                throw new UbdException(c + ": No such file or directory");
            }
        }
        List<Path> out = new ArrayList<>();
        for (Path p : files) {
            if (Files.isRegularFile(p) && !BackingFile.sameFile(cow, p) && Files.size(p) == size
                    && out.stream().noneMatch(q -> BackingFile.sameFile(q, p))) {
                out.add(p);
            }
        }
        out.sort(Comparator.comparing((Path p) -> !p.getFileName().toString().equals(wantedName)).thenComparing(Path::toString));
        return out;
    }
}
