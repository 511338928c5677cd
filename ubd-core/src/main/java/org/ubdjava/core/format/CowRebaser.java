package org.ubdjava.core.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.nativeio.PosixLocks;

/**
 * Points a COW header at a moved backing file: the kernel's switch, checked the same way (size,
 * then mtime), but written in the header's own layout. Only the path field is written, so a v1 or
 * v2 file keeps its bitmap (the kernel rewrites any version as v3 and corrupts them, bug B6).
 */
public final class CowRebaser {
    private CowRebaser() {
    }

    /** @return the absolutised path now stored */
    public static String rebase(Path cowPath, String newBacking) {
        CowHeader h;
        try (CowFile cow = CowFile.open(cowPath)) {
            h = cow.header();
        } catch (IOException e) {
            throw new UbdException(cowPath + ": " + CowPaths.describe(e), e);
        }
        HeaderLayout layout = h.layout();
        if (newBacking.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > layout.maxPathLength()) {
            throw new UbdException("Backing file name \"" + newBacking + "\" is too long - names are limited to "
                    + layout.maxPathLength() + " characters");
        }
        String absolute = CowPaths.absolutise(newBacking);
        BackingFile.verified(h, Path.of(absolute));
        byte[] field = layout.encodePathField(absolute);
        try (FileChannel ch = FileChannel.open(cowPath, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                int pid = PosixLocks.conflictingOwner(ch, true);
                throw new UbdException(cowPath + ": locked by " + (pid > 0 ? "pid " + pid : "another process")
                        + " (a running UML or ubd serve?); not rewriting its header");
            }
            CowCreator.writeFully(ch, ByteBuffer.wrap(field), layout.pathOffset());
            ch.force(false);
        } catch (IOException e) {
            throw new UbdException(cowPath + ": cannot rewrite the header: " + CowPaths.describe(e), e);
        }
        return absolute;
    }
}
