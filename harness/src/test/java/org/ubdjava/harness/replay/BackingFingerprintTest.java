package org.ubdjava.harness.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.RandomAccessFile;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fingerprint is of the content: holes and written zeros agree, any byte moved or changed does not. */
class BackingFingerprintTest {
    @TempDir
    Path dir;

    private Path file(String name, long size, long at, byte[] data, boolean zerosWritten) throws Exception {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            if (zerosWritten) {
                f.write(new byte[(int) size]);
            }
            f.setLength(size);
            f.seek(at);
            f.write(data);
        }
        return p;
    }

    @Test
    void holesAndWrittenZerosAreTheSameContent() throws Exception {
        byte[] data = {1, 2, 3, 4};
        String sparse = BackingFingerprint.of(file("sparse", 1 << 20, 300_000, data, false)).sha256();
        String dense = BackingFingerprint.of(file("dense", 1 << 20, 300_000, data, true)).sha256();
        assertEquals(sparse, dense);
        assertNotEquals(sparse, BackingFingerprint.of(file("moved", 1 << 20, 300_001, data, false)).sha256());
        assertNotEquals(sparse, BackingFingerprint.of(file("changed", 1 << 20, 300_000, new byte[] {1, 2, 3, 5}, false)).sha256());
        assertNotEquals(sparse, BackingFingerprint.of(file("longer", (1 << 20) + 512, 300_000, data, false)).sha256());
        assertNotEquals(sparse, BackingFingerprint.of(file("tail", 1 << 20, (1 << 20) - 1, new byte[] {9}, false)).sha256(),
                "a last partial block counts");
    }
}
