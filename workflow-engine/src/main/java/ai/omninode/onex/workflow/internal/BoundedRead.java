package ai.omninode.onex.workflow.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.ValidationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a file the user named, never more than a limit: its size is checked first, and the read itself stops one byte
 * past the limit, for what has no size ({@code /dev/zero}, a pipe) and would otherwise fill the heap.
 */
public final class BoundedRead {
    private BoundedRead() {
    }

    /**
     * The bytes of a stream such as standard input ({@code source} names it in problems), up to its end; a
     * {@link ValidationException} at 1:1 if it holds more than {@code maxBytes}.
     */
    public static byte[] read(InputStream in, String source, long maxBytes, String what) {
        try {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) {
                throw new ValidationException(new Problem(source, 1, 1, "", what + " is larger than the limit of "
                        + maxBytes + " bytes").as(Rules.YAML_LIMIT));
            }
            return bytes;
        } catch (IOException e) {
            throw new ValidationException(Problem.of(source, "cannot read: " + e.getMessage()).as(Rules.FILE_UNREADABLE));
        }
    }

    /** The bytes of {@code file}; a {@link ValidationException} at 1:1 if it holds more than {@code maxBytes}. */
    public static byte[] read(Path file, long maxBytes, String what) {
        String source = file.toString();
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new ValidationException(new Problem(source, 1, 1, "", what + " is " + size
                        + " bytes, larger than the limit of " + maxBytes + " bytes").as(Rules.YAML_LIMIT));
            }
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            }
            if (bytes.length > maxBytes) {
                throw new ValidationException(new Problem(source, 1, 1, "", what + " is larger than the limit of "
                        + maxBytes + " bytes").as(Rules.YAML_LIMIT));
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new ValidationException(Problem.of(source, "file not found").as(Rules.FILE_UNREADABLE));
        } catch (AccessDeniedException e) {
            throw new ValidationException(Problem.of(source, "cannot read file: permission denied")
                    .as(Rules.FILE_UNREADABLE));
        } catch (IOException e) {
            // a FileSystemException's message starts with the path, which the problem names already
            String why = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
            throw new ValidationException(Problem.of(source, "cannot read file: " + why).as(Rules.FILE_UNREADABLE));
        }
    }
}
