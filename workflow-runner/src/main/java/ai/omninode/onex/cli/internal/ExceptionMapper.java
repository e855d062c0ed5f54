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
 * ...}, one per line) and other ONEX refusals exit 2; anything else is a bug, shown with its stack trace, exit 1.
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
        err.println("onex: internal error: " + e);
        e.printStackTrace(err);
        err.flush();
        return Onex.WORKFLOW_FAILED;
    }
}
