package org.ubdjava.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where the real programs we compare against are, if installed (apt-get install uml-utilities user-mode-linux). */
public final class RealTools {
    private RealTools() {
    }

    public static Optional<Path> find(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public static String umlMkcow() {
        return find("uml_mkcow").orElseThrow().toString();
    }

    public static String umlMoo() {
        return find("uml_moo").orElseThrow().toString();
    }
}
