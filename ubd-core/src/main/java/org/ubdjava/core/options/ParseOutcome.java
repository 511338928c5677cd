package org.ubdjava.core.options;

import java.util.Objects;

/**
 * What feeding one kernel command-line argument to {@link UbdOptionParser} did. Every variant
 * carries the argument exactly as it was given.
 *
 * <p>The kernel never rejects a boot because of a ubd option: every variant, {@link Failed}
 * included, means "consumed, boot continues". Only {@link Failed} is a failed ubd option.
 */
public sealed interface ParseOutcome {

    /** The argument as given to {@link UbdOptionParser#parse}, e.g. {@code "ubd0=cow.img,root_fs"}. */
    String argument();

    /** A {@code ubdN...=file...} option configured a device; {@code device} is its slot right after. */
    record Configured(String argument, UbdDeviceConfig device) implements ParseOutcome {
        public Configured {
            Objects.requireNonNull(argument);
            Objects.requireNonNull(device);
        }
    }

    /**
     * A well-formed {@code ubdN...=} option that gave no file ({@code ubd1=}, {@code ubd0=,back}).
     * The kernel reports success, stores the backing file, serial and flags in the slot, and
     * leaves the slot unconfigured, so a later option for the same unit is still accepted. Only
     * ubd0 is ever created from such a slot, with the default file {@code root_fs}.
     */
    record LeftUnconfigured(String argument, int unit) implements ParseOutcome {
        public LeftUnconfigured {
            Objects.requireNonNull(argument);
        }
    }

    /** {@code ubd=sync}: options parsed from now on start with the {@code s} flag set. */
    record SyncEnabled(String argument) implements ParseOutcome {
        public SyncEnabled {
            Objects.requireNonNull(argument);
        }
    }

    /** Not a ubd option at all (e.g. {@code root=/dev/ubda}); the kernel passes it elsewhere. */
    record Ignored(String argument) implements ParseOutcome {
        public Ignored {
            Objects.requireNonNull(argument);
        }
    }

    /**
     * An option the kernel recognises, warns about and otherwise ignores. {@code message} is the
     * kernel's printed line without its trailing newline.
     */
    record Warning(String argument, String message) implements ParseOutcome {
        public Warning {
            Objects.requireNonNull(argument);
            Objects.requireNonNull(message);
        }
    }

    /**
     * A ubd option the kernel refused. {@code echoedText} is what the kernel prints between the
     * quotes: the text after {@code "ubd"}, cut at the first file separator when the kernel had
     * already split the file fields. {@code reason} is the kernel's error string.
     */
    record Failed(String argument, String echoedText, String reason) implements ParseOutcome {
        public Failed {
            Objects.requireNonNull(argument);
            Objects.requireNonNull(echoedText);
            Objects.requireNonNull(reason);
        }

        /** The kernel's printed line, e.g. {@code Failed to initialize device with "0x=foo" : Expected ...}. */
        public String message() {
            return "Failed to initialize device with \"" + echoedText + "\" : " + reason;
        }
    }
}
