package org.ubdjava.core.nativeio;

import com.sun.jna.LastErrorException;

/**
 * The calling thread's nice value. Linux keeps it per thread, not per process: {@code
 * setpriority(PRIO_PROCESS, 0, n)} changes the calling thread alone, and the threads it starts
 * afterwards inherit it.
 */
public final class ThreadPriority {
    /** The lowest priority: the thread takes a small share of a CPU that threads of normal priority want, and all of one they leave. */
    public static final int LOWEST = 19;

    private static final int PRIO_PROCESS = 0;

    private ThreadPriority() {
    }

    /** Sets the calling thread's nice value; lowering one's own priority needs no privilege. */
    public static void set(int nice) {
        try {
            LibC.setpriority(PRIO_PROCESS, 0, nice);
        } catch (LastErrorException e) {
            throw new IllegalStateException("setpriority(" + nice + "): " + LibC.describe(e), e);
        }
    }

    /** The calling thread's nice value, -20 to 19. */
    public static int get() {
        try {
            return LibC.getpriority(PRIO_PROCESS, 0);
        } catch (LastErrorException e) {
            throw new IllegalStateException("getpriority: " + LibC.describe(e), e);
        }
    }
}
