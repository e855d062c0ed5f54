package ai.omninode.onex.cli.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Rules;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.contract.YamlReader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import tools.jackson.databind.node.ObjectNode;

/**
 * The inputs of a batch ({@code onex run --inputs}), read one at a time: a JSON Lines file (one JSON object per line;
 * blank lines are skipped) or a folder of {@code *.json} files (in name order). A line or file that is not a JSON
 * object is that input's failure, named by its line or file, not the end of the batch. Not thread-safe: one reader
 * hands out the inputs.
 */
public final class BatchInputs implements AutoCloseable {
    /** A line longer than this is that input's failure (and is skipped unread), as is a larger file. */
    static final int MAX_INPUT_BYTES = (int) YamlReader.DEFAULT_MAX_BYTES;
    /** {@link #total()} of a stream, whose inputs are counted as they come. */
    public static final int UNKNOWN = -1;
    private static final String NO_INPUTS = "no inputs: no line that is not blank (JSON Lines: one JSON object per"
            + " line)";

    /**
     * One input: where it came from ({@code docs.jsonl:17}, {@code inputs/a.json}), its 1-based position in the batch,
     * what sets it apart in run keys ({@code sha-…} of a line's content, {@code a.json}), and the input or what is wrong with it.
     */
    public record Input(String name, int index, int line, String key, ObjectNode value, List<Problem> problems) {
        public boolean valid() {
            return problems.isEmpty();
        }
    }

    /** How a batch's inputs are named: the file or folder as given, or {@code stdin}. */
    private final String source;
    private final List<Path> files;
    private final InputStream lines;
    private final int total;
    private int index;
    private int lineNumber;
    private Input next;

    private BatchInputs(String source, List<Path> files, InputStream lines, int total) {
        this.source = source;
        this.files = files;
        this.lines = lines;
        this.total = total;
    }

    /**
     * Opens a JSON Lines file, a folder of JSON files, or a stream of JSON Lines: {@code -} for standard input, or a
     * pipe ({@code <(command)}, a FIFO), read as it comes (the total is then unknown until its end). Throws
     * {@link ValidationException} if it cannot, or if there is no input at all.
     */
    public static BatchInputs open(Path source) {
        try {
            boolean stdin = Inputs.STDIN.equals(source.toString());
            if (stdin || Files.exists(source) && !Files.isDirectory(source) && !Files.isRegularFile(source)) {
                String name = stdin ? "stdin" : source.toString();
                BatchInputs stream = new BatchInputs(name, null, new BufferedInputStream(stdin ? System.in
                        : Files.newInputStream(source), 1 << 16), UNKNOWN);
                if (!stream.hasNext()) { // waits for the first input, or the end
                    stream.close();
                    throw new ValidationException(Problem.of(name, NO_INPUTS).as(Rules.INPUT_NONE));
                }
                return stream;
            }
            if (Files.isDirectory(source)) {
                List<Path> files;
                try (Stream<Path> list = Files.list(source)) {
                    // a link to nothing is an input that fails, named, not one that silently is not there
                    files = list.filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")
                            && (Files.isRegularFile(f) || Files.isSymbolicLink(f) && !Files.exists(f)))
                            .sorted().toList();
                }
                if (files.isEmpty()) {
                    throw new ValidationException(Problem.of(source.toString(), "no *.json files in this folder")
                            .as(Rules.INPUT_NONE));
                }
                return new BatchInputs(source.toString(), files, null, files.size());
            }
            if (!Files.isRegularFile(source)) {
                throw new ValidationException(Problem.of(source.toString(), "no such file or folder")
                        .as(Rules.FILE_UNREADABLE));
            }
            int count = countInputs(source);
            if (count == 0) {
                throw new ValidationException(Problem.of(source.toString(), NO_INPUTS).as(Rules.INPUT_NONE));
            }
            return new BatchInputs(source.toString(), null, new BufferedInputStream(Files.newInputStream(source),
                    1 << 16), count);
        } catch (IOException e) {
            throw new ValidationException(Problem.of(source.toString(), "cannot read: " + e.getMessage())
                    .as(Rules.FILE_UNREADABLE));
        }
    }

    /** How many inputs there are (lines that are not blank, or files); {@link #UNKNOWN} for a stream. */
    public int total() {
        return total;
    }

    /** The file or folder as given, or {@code stdin}: what the inputs' names start with. */
    public String source() {
        return source;
    }

    public boolean hasNext() {
        if (next == null) {
            next = files != null ? nextFile() : nextLine();
        }
        return next != null;
    }

    public Input next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Input n = next;
        next = null;
        return n;
    }

    private Input nextFile() {
        if (index >= files.size()) {
            return null;
        }
        Path f = files.get(index++);
        String key = f.getFileName().toString();
        try {
            return new Input(f.toString(), index, 0, key, Inputs.read(f, List.of()), List.of());
        } catch (ValidationException e) {
            return new Input(f.toString(), index, 0, key, null, e.problems());
        }
    }

    private Input nextLine() {
        try {
            while (true) {
                Line line = readLine();
                if (line == null) {
                    return null;
                }
                lineNumber++;
                String name = source + ":" + lineNumber;
                if (line.tooLong) {
                    index++;
                    return new Input(name, index, lineNumber, "line-" + lineNumber, null, List.of(new Problem(
                            source, lineNumber, 1, "", "line " + lineNumber + " is longer than "
                            + MAX_INPUT_BYTES + " bytes").as(Rules.INPUT_JSON)));
                }
                String text;
                try {
                    text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(line.bytes, 0, line.length)).toString();
                } catch (CharacterCodingException e) {
                    index++;
                    return new Input(name, index, lineNumber, "line-" + lineNumber, null, List.of(new Problem(
                            source, lineNumber, 1, "", "line " + lineNumber + " is not valid UTF-8").as(Rules.INPUT_JSON)));
                }
                if (lineNumber == 1 && text.startsWith("\uFEFF")) {
                    text = text.substring(1); // a byte order mark, as Windows tools write one: not part of the input
                }
                if (jsonBlank(text)) {
                    continue;
                }
                index++;
                try {
                    ObjectNode value = Inputs.readJsonLine(text, source, lineNumber);
                    return new Input(name, index, lineNumber, contentKey(text), value, List.of());
                } catch (ValidationException e) {
                    return new Input(name, index, lineNumber, "line-" + lineNumber, null, e.problems());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(source + ": cannot read line " + (lineNumber + 1), e);
        }
    }

    /** How often each line's content came so far (by a 64-bit digest): the n-th copy of a line is a run of its own. */
    private final Map<Long, Integer> seen = new HashMap<>();

    /**
     * What names a line's run within the batch: its content (a SHA-256 digest of the line without the blanks around
     * it), and the how-many-th line with that content it is, after the first. Not its line number: a batch run again
     * with the same --run-key after a line was removed or added must give every other input the event ids it had,
     * not its neighbour's (a consumer that drops repeats would drop a new document and keep a copy).
     */
    private String contentKey(String text) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(text.strip().getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        long head = ByteBuffer.wrap(digest).getLong();
        int copy = seen.merge(head, 1, Integer::sum);
        return "sha-" + HexFormat.of().formatHex(digest, 0, 8) + (copy == 1 ? "" : "-" + copy);
    }

    /** One line's bytes without its terminator (\n or \r\n); past the limit, only that it was too long. */
    private record Line(byte[] bytes, int length, boolean tooLong) {
    }

    private byte[] buffer = new byte[8192];
    /** The end was read: not read again (on a terminal, each read past it would wait for another Ctrl-D). */
    private boolean ended;

    private Line readLine() throws IOException {
        if (ended) {
            return null;
        }
        int n = 0;
        boolean tooLong = false;
        int b;
        boolean any = false;
        while ((b = lines.read()) != -1) {
            any = true;
            if (b == '\n') {
                break;
            }
            if (tooLong) {
                continue;
            }
            if (n == MAX_INPUT_BYTES) {
                tooLong = true;
                continue;
            }
            if (n == buffer.length) {
                buffer = java.util.Arrays.copyOf(buffer, (int) Math.min(MAX_INPUT_BYTES, buffer.length * 2L));
            }
            buffer[n++] = (byte) b;
        }
        if (b == -1) {
            ended = true;
        }
        if (!any) {
            return null;
        }
        if (n > 0 && buffer[n - 1] == '\r') {
            n--;
        }
        return new Line(buffer, n, tooLong);
    }

    /**
     * Blank as JSON means it (spaces, tabs, a CR left by CRLF) and as {@link #countInputs} counts: a line holding a form
     * feed or another Unicode space is an input, reported as not JSON, never skipped unseen.
     */
    static boolean jsonBlank(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != ' ' && c != '\t' && c != '\r') {
                return false;
            }
        }
        return true;
    }

    /** Lines that are not blank, counted without decoding: for the progress bar's total. */
    private static int countInputs(Path file) throws IOException {
        int count = 0;
        boolean content = false;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    count += content ? 1 : 0;
                    content = false;
                } else if (b != ' ' && b != '\t' && b != '\r') {
                    content = true;
                }
            }
        }
        return count + (content ? 1 : 0);
    }

    @Override
    public void close() {
        if (lines != null) {
            try {
                lines.close();
            } catch (IOException e) {
                // read-only: nothing is lost
            }
        }
    }
}
