package org.ubdjava.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Files that are not plain files, and files other processes hold: FIFOs (an open of one blocks
 * until the other end opens), and processes that keep a file open or locked.
 */
public final class SpecialFiles {
    private SpecialFiles() {
    }

    /** A FIFO at {@code path}, made by coreutils' mkfifo. */
    public static Path fifo(Path path) {
        Exec.Result r = Exec.run(path.toAbsolutePath().getParent(), List.of("mkfifo", path.toString()), 20);
        assertEquals(0, r.exit(), r.both());
        return path;
    }

    /**
     * Opens and closes both ends of the FIFO (O_RDWR never blocks on Linux), so a thread a test left
     * blocked in an open of it returns: a test that fails that way must not leave the JVM stuck.
     */
    public static void unblock(Path fifo) {
        if (Files.exists(fifo)) {
            Exec.run(fifo.toAbsolutePath().getParent(), List.of("sh", "-c", "exec 3<>\"$1\"", "sh", fifo.toString()), 20);
        }
    }

    /** "fifo", "regular", "character device", ...: what stat(1) says the path is. */
    public static String kind(Path path) {
        Exec.Result r = Exec.run(path.toAbsolutePath().getParent(), List.of("stat", "-L", "-c", "%F", path.toString()), 20);
        assertEquals(0, r.exit(), r.both());
        return r.out().strip();
    }

    /** SHA-256 of a regular file's bytes, with its size: to show a file was left as it was. */
    public static String digest(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return Files.size(file) + ":" + HexFormat.of().formatHex(md.digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Another process that has {@code file} open (read-only, no lock): its stdin, as `sleep 60 < file`. */
    public static Holder holdOpen(Path file) throws IOException {
        // ProcessBuilder opens the redirection before the child starts: it is open once start() returns
        return new Holder(new ProcessBuilder("sleep", "60").redirectInput(file.toFile()).start());
    }

    /**
     * Another process holding a whole-file POSIX write lock on {@code file}, as a UML does on its COW
     * file (python3's fcntl.lockf is fcntl(F_SETLK)).
     */
    public static Holder writeLock(Path file) throws IOException {
        String script = "import fcntl,sys,time\n"
                + "f=open(sys.argv[1],'r+')\n"
                + "fcntl.lockf(f,fcntl.LOCK_EX|fcntl.LOCK_NB)\n"
                + "print('locked',flush=True)\n"
                + "time.sleep(60)\n";
        Process p = new ProcessBuilder("python3", "-c", script, file.toString()).redirectErrorStream(true).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        Holder h = new Holder(p);
        if (!"locked".equals(line)) {
            h.close();
            throw new AssertionError("could not lock " + file + ": " + line);
        }
        return h;
    }

    /** A process holding a file; closing it kills the process. */
    public static final class Holder implements AutoCloseable {
        private final Process process;

        Holder(Process process) {
            this.process = process;
        }

        public long pid() {
            return process.pid();
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
