package org.ubdjava.core.nativeio;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * Frees a direct or mapped buffer now instead of when the garbage collector gets to it: a mapping
 * keeps its file's blocks allocated after the file is deleted, and a long replay attaches and
 * deletes thousands of COW files. {@code sun.misc.Unsafe.invokeCleaner} (jdk.unsupported) is the
 * one supported-in-practice way; where it is missing the buffer is left to the collector.
 *
 * <p>The caller must own the buffer and every view of it: a later access through any of them
 * would touch unmapped memory.
 */
public final class DirectMemory {
    private static final sun.misc.Unsafe UNSAFE = unsafe();

    private DirectMemory() {
    }

    public static void free(ByteBuffer buffer) {
        if (UNSAFE != null && buffer != null && buffer.isDirect()) {
            UNSAFE.invokeCleaner(buffer);
        }
    }

    private static sun.misc.Unsafe unsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
