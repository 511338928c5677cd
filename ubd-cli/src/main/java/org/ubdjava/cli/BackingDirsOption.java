package org.ubdjava.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.ubdjava.core.format.BackingPolicy;

import picocli.CommandLine.Option;

/** {@code --allow-backing-dir DIR} (repeatable), shared by every command that follows a COW header to its backing file. */
public final class BackingDirsOption {
    @Option(names = "--allow-backing-dir", paramLabel = "DIR",
            description = {"Refuse a COW file whose header names a backing file outside DIR (repeatable; symlinks",
                "and .. are resolved first). Without it any backing file is followed, as the kernel does."})
    List<Path> dirs = new ArrayList<>();

    /** The policy; resolving the directories fails, in one line, when one does not exist. */
    public BackingPolicy policy() {
        return dirs.isEmpty() ? BackingPolicy.ANY : BackingPolicy.within(dirs);
    }
}
