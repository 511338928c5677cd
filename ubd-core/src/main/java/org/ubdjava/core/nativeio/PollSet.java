package org.ubdjava.core.nativeio;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;

/**
 * A fixed set of descriptors one thread waits on for input with poll(2): what a thread needs that
 * serves raw descriptors (sockets that carry descriptors, eventfds) which Java's selectors do not
 * take. Each entry is a struct pollfd of the 64-bit Linux ABIs; an entry of -1 is ignored, as
 * poll(2) ignores a negative descriptor. Not thread-safe: the waiting thread owns it.
 */
public final class PollSet {
    static final int POLLFD_BYTES = 8;
    static final int POLLFD_FD = 0;
    static final int POLLFD_EVENTS = 4;
    static final int POLLFD_REVENTS = 6;

    private final int entries;
    private final Memory pollFds;

    public PollSet(int entries) {
        this.entries = entries;
        this.pollFds = new Memory((long) POLLFD_BYTES * entries);
    }

    /** Entry {@code entry} waits for input on {@code fd} (-1: on nothing) at the next {@link #await}. */
    public void set(int entry, int fd) {
        long at = (long) entry * POLLFD_BYTES;
        pollFds.setInt(at + POLLFD_FD, fd);
        pollFds.setShort(at + POLLFD_EVENTS, LibC.POLLIN);
        pollFds.setShort(at + POLLFD_REVENTS, (short) 0);
    }

    /**
     * Waits until an entry has input, a hang-up or an error.
     *
     * @return false when a signal cut the wait short (nothing is ready; wait again)
     */
    public boolean await() {
        return await(-1);
    }

    /**
     * As {@link #await()}, for at most {@code timeoutMillis} (0: only looks; -1: no limit).
     *
     * @return whether an entry is ready: false after the time ran out or a signal cut the wait short
     */
    public boolean await(int timeoutMillis) {
        try {
            return LibC.poll(pollFds, entries, timeoutMillis) > 0;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.EINTR) {
                return false;
            }
            throw e;
        }
    }

    /** Whether the last {@link #await} found entry {@code entry} ready: input, a hang-up or an error. */
    public boolean ready(int entry) {
        return pollFds.getShort((long) entry * POLLFD_BYTES + POLLFD_REVENTS) != 0;
    }
}
