package org.ubdjava.cli.hostile;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The kinds of file a hostile case puts where a command expects one. Each is made in the case's own
 * scratch directory under a name of its own (so a message naming it can be recognised), except the
 * two real devices, which are only ever given where a command reads.
 */
enum HostileFile {
    MISSING("missing", "hostile-missing.img"),
    EMPTY("empty", "hostile-empty.img"),
    DIRECTORY("directory", "hostile-dir"),
    FIFO("fifo", "hostile-fifo"),
    SOCKET("socket", "hostile-socket"),
    DEV_NULL("/dev/null", "/dev/null"),
    DEV_ZERO("/dev/zero", "/dev/zero"),
    /** Our own char device node (/dev/null's numbers) for positions a command may write: never a real device there. */
    CHAR_DEVICE("chardev", "hostile-chardev"),
    SYMLINK_LOOP("symlink-loop", "hostile-loop"),
    DANGLING_SYMLINK("dangling-symlink", "hostile-dangling"),
    NO_READ("unreadable", "hostile-noread.cow"),
    TRUNCATED_COW("truncated-cow", "hostile-truncated.cow"),
    /** A v3 header with sector size and alignment 0. */
    CORRUPT_COW("corrupt-cow", "hostile-corrupt.cow"),
    SELF_BACKING_COW("self-backing-cow", "hostile-self.cow"),
    /** 1 TiB, all hole, no COW magic. */
    HUGE_SPARSE("huge-sparse", "hostile-huge.img"),
    /** 8 KiB of random bytes. */
    GARBAGE("garbage", "hostile-garbage.img"),
    /** A COW header whose backing path holds a newline, a forged message and an ESC sequence. */
    UNTRUSTED_COW("untrusted-cow", "hostile-untrusted.cow"),
    /** A valid COW file another process holds an fcntl write lock on (as a running UML does). */
    LOCKED_COW("locked-cow", "hostile-locked.cow"),
    /** The scratch's valid COW file, where a command wants something else (a backing file). */
    VALID_COW("a-cow-file", "vm.cow");

    /** The backing path written into {@link #UNTRUSTED_COW}: printed raw, its second line would pass for a message of ours. */
    static final String UNTRUSTED_BACKING = "/nonexistent/evil\nubd: FORGED line\u001b[2J\u001b[31m";
    /** The start of the forged line: no output line may start with it. */
    static final String FORGED = "ubd: FORGED";

    /** Files a command reads. */
    static final Set<HostileFile> INPUT = EnumSet.of(MISSING, EMPTY, DIRECTORY, FIFO, SOCKET, DEV_NULL, DEV_ZERO,
            SYMLINK_LOOP, DANGLING_SYMLINK, NO_READ);
    /** Files read as a COW file: every input kind and the broken COW files. */
    static final Set<HostileFile> COW_INPUT = union(INPUT, EnumSet.of(TRUNCATED_COW, CORRUPT_COW, SELF_BACKING_COW,
            HUGE_SPARSE, GARBAGE, UNTRUSTED_COW));
    /** Where a command writes: only files of our own, never a real device. */
    static final Set<HostileFile> OUTPUT = EnumSet.of(DIRECTORY, FIFO, SOCKET, CHAR_DEVICE, SYMLINK_LOOP);

    final String label;
    final String fileName;

    HostileFile(String label, String fileName) {
        this.label = label;
        this.fileName = fileName;
    }

    boolean realDevice() {
        return this == DEV_NULL || this == DEV_ZERO;
    }

    /**
     * What a message about this file contains when it names it: its name, whatever directory is
     * printed with it; for the untrusted COW file, also the backing file its header names.
     */
    List<String> tokens() {
        return this == UNTRUSTED_COW ? List.of(fileName, "evil") : List.of(fileName);
    }

    static Set<HostileFile> union(Set<HostileFile> a, Set<HostileFile> b) {
        EnumSet<HostileFile> s = EnumSet.noneOf(HostileFile.class);
        s.addAll(a);
        s.addAll(b);
        return s;
    }

    static Set<HostileFile> minus(Set<HostileFile> a, HostileFile... drop) {
        EnumSet<HostileFile> s = EnumSet.noneOf(HostileFile.class);
        s.addAll(a);
        for (HostileFile f : drop) {
            s.remove(f);
        }
        return s;
    }
}
