package ai.omninode.onex.cli.internal;

import ai.omninode.onex.cli.Onex;
import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.ValidationException;
import ai.omninode.onex.node.OnexException;
import ai.omninode.onex.validation.ReportFormat;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns what a command throws into output and an exit code: problems with a place ({@code file:line:col: error:
 * ...}, one per line), other ONEX refusals and files the machine refuses (an {@code IOException}: permissions, a file
 * where a folder should be) exit 2; anything else is a bug, shown with its stack trace, exit 1.
 */
public final class ExceptionMapper implements IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        if (e instanceof ValidationException v) {
            for (Problem p : v.problems()) {
                // as onex validate prints them: the rule id says which check, and is what --output json carries; a
                // line feed a message quotes (the YAML parser's "found \n") is written \n, one problem a line
                err.println(ReportFormat.line(p));
            }
            err.println("onex: " + v.problems().size() + (v.problems().size() == 1 ? " error" : " errors"));
            err.flush();
            return Onex.INVALID;
        }
        if (e instanceof OnexException) {
            err.println("onex: error: " + e.getMessage());
            err.flush();
            return Onex.INVALID;
        }
        java.io.IOException io = e instanceof java.io.IOException i ? i
                : e instanceof java.io.UncheckedIOException u ? u.getCause() : null;
        if (io != null) {
            // a file the machine refuses (permissions, a file where a folder should be, a full disk): the user's to
            // fix, so one line that names it, not a stack trace
            err.println("onex: error: " + describe(io));
            err.flush();
            return Onex.INVALID;
        }
        // past every mapped case, so what an exception says is unknown: secret settings hidden as in log lines
        java.io.StringWriter trace = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(trace));
        err.println("onex: internal error: " + LogSecrets.redact(String.valueOf(e)));
        err.print(LogSecrets.redact(trace.toString()));
        err.flush();
        return Onex.WORKFLOW_FAILED;
    }

    /** An I/O failure in words, naming the file: "permission denied: /x", not the exception's class name. */
    public static String describe(java.io.IOException e) {
        if (e instanceof java.nio.file.FileAlreadyExistsException f) {
            return "a file is in the way: " + f.getFile();
        }
        if (e instanceof java.nio.file.AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return "no such file or folder: " + n.getFile();
        }
        if (e instanceof java.nio.file.NotDirectoryException n) {
            return "not a folder: " + n.getFile();
        }
        if (e instanceof java.nio.file.FileSystemException f) {
            return (f.getReason() == null ? "cannot use" : f.getReason()) + ": " + f.getFile()
                    + (f.getOtherFile() == null ? "" : " (and " + f.getOtherFile() + ")");
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
