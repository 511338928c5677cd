package org.ubdjava.core.format;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import org.ubdjava.core.UbdException;

/**
 * Where backing files may live. The backing path in a COW header is whatever the file's author
 * wrote: a COW file from elsewhere can name {@code /etc/shadow} or another tenant's disk, and
 * whoever opens it reads that file as the guest's disk. A policy with allowed directories refuses
 * such a header before the backing file is opened.
 *
 * <p>Both sides are compared as real paths ({@link Path#toRealPath()}): symlinks and {@code ..}
 * cannot lead outside. A backing file that does not exist is judged by its directory's real path
 * (it cannot be opened anyway; the message should still say why it is refused first).
 *
 * @param allowedDirs real paths of the allowed directories; empty means any backing file is allowed
 */
public record BackingPolicy(List<Path> allowedDirs) {
    /** No restriction: the kernel's behaviour. */
    public static final BackingPolicy ANY = new BackingPolicy(List.of());

    public BackingPolicy {
        allowedDirs = List.copyOf(allowedDirs);
    }

    /**
     * Backing files only under these directories (and their subdirectories).
     *
     * @throws UbdException when a directory does not exist: a typo must not allow nothing silently
     */
    public static BackingPolicy within(Collection<Path> dirs) {
        List<Path> real = new ArrayList<>();
        for (Path d : dirs) {
            try {
                real.add(d.toRealPath());
            } catch (IOException e) {
                throw new UbdException("allowed backing directory \"" + d + "\": " + CowPaths.describe(e), e);
            }
        }
        return new BackingPolicy(real);
    }

    public boolean restricts() {
        return !allowedDirs.isEmpty();
    }

    /** The backing file's real path: symlinks resolved, or its directory's when it does not exist. */
    public static Optional<Path> realPath(Path backing) {
        Path abs = backing.toAbsolutePath();
        try {
            return Optional.of(abs.toRealPath());
        } catch (IOException e) {
            Path parent = abs.getParent();
            Path name = abs.getFileName();
            if (parent == null || name == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(parent.toRealPath().resolve(name));
            } catch (IOException e2) {
                return Optional.empty();
            }
        }
    }

    /** Whether {@code backing} lies inside an allowed directory; always true without a restriction. */
    public boolean allows(Path backing) {
        if (!restricts()) {
            return true;
        }
        Optional<Path> real = realPath(backing);
        return real.isPresent() && allowedDirs.stream().anyMatch(real.get()::startsWith);
    }

    /** The refusal in one line, naming the COW file and the offending path; empty when allowed. */
    public Optional<String> violation(String cowFile, Path backing) {
        if (allows(backing)) {
            return Optional.empty();
        }
        String real = realPath(backing).map(r -> r.equals(backing.toAbsolutePath()) ? "" : " (really \"" + r + "\")")
                .orElse(" (its directory does not exist)");
        return Optional.of(cowFile + ": backing file \"" + backing + "\"" + real + " is outside the allowed backing directories ("
                + allowedDirs.stream().map(Path::toString).collect(Collectors.joining(", ")) + ")");
    }

    /** Throws the {@link #violation} if there is one. */
    public void check(String cowFile, Path backing) {
        violation(cowFile, backing).ifPresent(m -> {
            throw new UbdException(m);
        });
    }
}
