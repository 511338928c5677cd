package org.ubdjava.core.format;

import org.ubdjava.core.UbdException;

/**
 * A COW header that cannot be used. {@link #notCow()} tells apart the one case the kernel treats
 * silently: the magic does not match, so the file is simply not a COW file (a raw image).
 */
public final class CowFormatException extends UbdException {
    private static final long serialVersionUID = 1L;
    private final boolean notCow;

    CowFormatException(String message) {
        this(message, false);
    }

    private CowFormatException(String message, boolean notCow) {
        super(message);
        this.notCow = notCow;
    }

    static CowFormatException badMagic() {
        return new CowFormatException("not a COW file (no COW magic)", true);
    }

    /** The same problem, naming the file it was found in. */
    CowFormatException in(String file) {
        return new CowFormatException(file + ": " + getMessage(), notCow);
    }

    public boolean notCow() {
        return notCow;
    }
}
