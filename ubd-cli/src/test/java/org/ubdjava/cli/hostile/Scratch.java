package org.ubdjava.cli.hostile;

import static org.ubdjava.core.Sectors.SECTOR;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.ubdjava.core.format.ContentDigest;
import org.ubdjava.core.format.CowCreator;
import org.ubdjava.core.format.Preallocation;
import org.ubdjava.core.testing.CowFixtures;
import org.ubdjava.testsupport.TempDirs;

/**
 * One case's directory: a valid backing file, a valid COW file over it, a tiny trace and a data
 * file, and the hostile files the case asks for, made on demand. Placeholders in a case's arguments
 * ({back}, {cow}, {H}, ...) are its paths. Closing it releases locks, unblocks any thread still
 * opening one of its FIFOs and deletes it.
 */
final class Scratch implements AutoCloseable {
    static final int BACKING_SECTORS = 64;
    /** An fio iolog v2 the replay and the cache simulator take in a few milliseconds. */
    static final String TRACE = String.join("\n", "fio version 2 iolog", "/dev/vdb add", "/dev/vdb open",
            "/dev/vdb write 0 4096", "/dev/vdb read 0 4096", "/dev/vdb read 8192 4096", "/dev/vdb close", "");

    /** The name of {@link #idCow()}. */
    static final String ID_COW = "id.cow";
    /** The name of {@link #upgradedBacking()}. */
    static final String UPGRADED = "back2.img";

    final Path dir;
    final Path back;
    final Path cow;
    final Path trace;
    final Path data;
    private final List<Process> lockHolders = new ArrayList<>();

    Scratch(Path parent) throws IOException {
        dir = Files.createTempDirectory(parent, "case");
        back = CowFixtures.referenceBacking(dir, BACKING_SECTORS);
        cow = dir.resolve("vm.cow");
        CowCreator.create(cow, back.toString(), false);
        trace = Files.writeString(dir.resolve("trace.iolog"), TRACE);
        data = Files.write(dir.resolve("data.bin"), new byte[512]);
    }

    /** Whether this JVM runs as root (then file permissions stop nothing, and mknod works). */
    static boolean root(Path anyOwnFile) {
        try {
            return ((Integer) Files.getAttribute(anyOwnFile, "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The argument with its placeholders replaced by this scratch's paths. */
    String expand(String arg, HostileFile hostile) throws IOException {
        String s = arg.replace("{dir}", dir.toString()).replace("{back}", back.toString()).replace("{cow}", cow.toString())
                .replace("{trace}", trace.toString()).replace("{data}", data.toString())
                .replace("{new}", dir.resolve("new.cow").toString()).replace("{out}", dir.resolve("out.img").toString());
        if (s.contains("{idcow}")) {
            s = s.replace("{idcow}", idCow().toString());
        }
        if (s.contains("{back2}")) {
            s = s.replace("{back2}", upgradedBacking().toString());
        }
        if (s.contains("{H}")) {
            s = s.replace("{H}", make(hostile));
        }
        return s;
    }

    /** A COW file over the backing file that keeps its content id (made once, on demand: most cases need none). */
    Path idCow() throws IOException {
        Path p = dir.resolve(ID_COW);
        if (!Files.exists(p)) {
            CowCreator.create(p, back.toString(), false, Preallocation.OFF, ContentDigest.DEFAULT, x -> { });
        }
        return p;
    }

    /**
     * back2.img: the backing file upgraded, its size with one sector changed and another mtime
     * (made once, on demand): a safe rebase's new backing file, and a copy --find must refuse.
     */
    Path upgradedBacking() throws IOException {
        Path p = dir.resolve(UPGRADED);
        if (!Files.exists(p)) {
            byte[] b = Files.readAllBytes(back);
            java.util.Arrays.fill(b, 5 * SECTOR, 6 * SECTOR, (byte) 0x7e);
            Files.write(p, b);
            Files.setLastModifiedTime(p, FileTime.fromMillis((CowFixtures.MTIME + 3600) * 1000));
        }
        return p;
    }

    /** Makes the hostile file (once) and returns the path to give the command. */
    String make(HostileFile kind) throws IOException {
        if (kind.realDevice()) {
            return kind.fileName;
        }
        Path p = dir.resolve(kind.fileName);
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) || kind == HostileFile.MISSING) {
            return p.toString();
        }
        switch (kind) {
            case EMPTY -> Files.createFile(p);
            case DIRECTORY -> Files.createDirectory(p);
            case FIFO -> exec("mkfifo", p.toString());
            case SOCKET -> {
                try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                    s.bind(UnixDomainSocketAddress.of(p));
                }
            }
            case CHAR_DEVICE -> exec("mknod", p.toString(), "c", "1", "3");
            case SYMLINK_LOOP -> Files.createSymbolicLink(p, p.getFileName());
            case DANGLING_SYMLINK -> Files.createSymbolicLink(p, dir.resolve("hostile-nowhere.img"));
            case NO_READ -> {
                CowCreator.create(p, back.toString(), false);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("---------"));
            }
            case TRUNCATED_COW -> {
                Files.copy(cow, p);
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.truncate(100);
                }
            }
            case CORRUPT_COW -> rawCow(p, CowFixtures.v3Header(back.toString(), CowFixtures.MTIME, size(), 0, 0));
            // its mtime is no other file's: the kernel's backing switch to back.img must not match it
            case SELF_BACKING_COW -> rawCow(p, CowFixtures.v3Header(p.toString(), 1234567, size(), 512, 4096));
            case HUGE_SPARSE -> {
                try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                    f.setLength(1L << 40);
                }
            }
            case GARBAGE -> {
                byte[] b = new byte[8192];
                new Random(27).nextBytes(b);
                Files.write(p, b);
            }
            case UNTRUSTED_COW -> rawCow(p, CowFixtures.v3Header(HostileFile.UNTRUSTED_BACKING, 12345, size(), 512, 4096));
            case LOCKED_COW -> {
                CowCreator.create(p, back.toString(), false);
                lock(p);
            }
            default -> throw new IllegalArgumentException(kind.toString());
        }
        return p.toString();
    }

    private long size() {
        return (long) BACKING_SECTORS * SECTOR;
    }

    /** Header bytes, then a bitmap's and the data's room, without asking the production reader whether they make sense. */
    private void rawCow(Path p, byte[] header) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            CowFixtures.write(ch, header, 0);
            ch.write(ByteBuffer.allocate(1).order(ByteOrder.BIG_ENDIAN), 8192 + size() - 1);
        }
        Files.setLastModifiedTime(p, FileTime.fromMillis(CowFixtures.MTIME * 1000));
    }

    /** Another process takes an fcntl write lock on the file (as a running UML holds its disk) until this scratch closes. */
    void lock(Path p) throws IOException {
        Process py = new ProcessBuilder("python3", "-c", "import fcntl,sys\nf=open(sys.argv[1],'r+')\nfcntl.lockf(f,fcntl.LOCK_EX)\n"
                + "print('locked',flush=True)\nsys.stdin.read()", p.toString()).redirectErrorStream(true).start();
        lockHolders.add(py);
        String line = new BufferedReader(new InputStreamReader(py.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!"locked".equals(line)) {
            throw new IOException("python3 could not lock " + p + ": " + line);
        }
    }

    private static void exec(String... cmd) throws IOException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + ": " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /**
     * Opens the other end of every FIFO here, for a moment, so that a command blocked opening one
     * (a reader waiting for a writer or the reverse) goes on: it then meets end of file or a broken pipe.
     */
    void unblockFifos() {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                if (Snapshot.type(p).equals("fifo")) {
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                        // opened read-write: pairs with a blocked reader or writer alike, and never blocks itself
                    } catch (IOException e) {
                        // nothing is waiting on it then
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // the directory went: nothing to unblock
        }
    }

    @Override
    public void close() throws IOException {
        for (Process p : lockHolders) {
            p.getOutputStream().close();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    p.toFile().setWritable(true);
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // deleted below or already gone
        }
        TempDirs.delete(dir);
    }
}
