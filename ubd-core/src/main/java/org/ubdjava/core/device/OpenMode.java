package org.ubdjava.core.device;

import org.ubdjava.core.options.UbdFlags;

/**
 * How {@link HostFileTable#open} opens a device's host file: the kernel's open flags for it.
 *
 * @param write            open for writing
 * @param readOnlyFallback on EROFS or EACCES, open read-only instead (the kernel does, for the image only)
 * @param sync             O_SYNC (the 's' flag)
 * @param shared           the 'c' flag: no lock, and no refusal of other users
 */
record OpenMode(boolean write, boolean readOnlyFallback, boolean sync, boolean shared) {
    /** The device's image: written unless 'r', with the fallback. */
    static OpenMode image(UbdFlags flags) {
        return new OpenMode(!flags.readOnly(), true, flags.sync(), flags.shared());
    }

    /** A backing file: only ever read. */
    static OpenMode backing(UbdFlags flags) {
        return new OpenMode(false, false, flags.sync(), flags.shared());
    }

    /** A COW file just created: written, and locked even with 'c'. */
    static OpenMode created(UbdFlags flags) {
        return new OpenMode(true, false, flags.sync(), false);
    }
}
