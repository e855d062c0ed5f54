package ai.omninode.onex.cli.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Suggestions;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;
import tools.jackson.databind.node.ObjectNode;

/**
 * A usage error in the form of every other error of the CLI ({@code onex run: error: ...}), then the command's
 * synopsis and where to find more, not the whole help page. An unknown argument is named before a parameter found
 * missing because of it ({@code onex run --bogus} is about {@code --bogus}).
 */
public final class UsageErrorHandler implements IParameterExceptionHandler {
    private static final Pattern JAVA_EXCEPTION = Pattern.compile(
            "\\s*\\((?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)(?::.*)?\\)$", Pattern.DOTALL);

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        List<String> unmatched = cmd.getUnmatchedArguments();
        String message = tidy(ex.getMessage());
        boolean suggest = true;
        if (ex instanceof MissingParameterException && !unmatched.isEmpty()) {
            message = unmatched(unmatched.subList(0, 1)) + " (" + message + ")";
        } else if (ex instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            message = unmatched(u.getUnmatched()); // picocli's own message quotes every value, secrets too
        }
        if (ex instanceof UnmatchedArgumentException u && !cmd.getSubcommands().isEmpty()
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
            List<String> commands = new ArrayList<>(cmd.getSubcommands().keySet());
            commands.remove("help");
            String given = u.getUnmatched().get(0);
            message = "unknown command '" + given + "'" + Suggestions.didYouMean(given, commands) + "; the commands: "
                    + String.join(", ", commands);
            suggest = false;
        }
        err.println(name + ": error: " + message);
        if (suggest && ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            err.println("Did you mean: " + String.join(" or ", u.getSuggestions().stream()
                    .map(x -> cmd.getSubcommands().containsKey(x) ? name + " " + x : x).toList()) + "?");
        }
        if (jsonRequested(args)) {
            // a script that asked for JSON gets JSON on stdout, as for any other refusal
            List<Problem> problems = List.of(Problem.of(name, message));
            ObjectNode json = "validate".equals(cmd.getCommandName()) ? JsonOutput.problems(0, problems)
                    : JsonOutput.refused(null, problems);
            // with --inputs, stdout is JSON Lines: one line
            cmd.getOut().println(batchRequested(args) ? JsonOutput.writeLine(json) : JsonOutput.write(json));
            cmd.getOut().flush();
        }
        CommandLine.Help help = cmd.getHelp();
        err.print(help.synopsisHeading() + help.synopsis(help.synopsisHeadingLength()));
        err.println("Try '" + name + " --help' for more information.");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /**
     * Names what was not understood without echoing what may be a secret: {@code --sett
     * "ONEX_KAFKA_SASL_JAAS_CONFIG=...password=..."} is a misspelled option whose value is a JAAS config. Options are
     * shown up to their '=', an argument right after an unknown option and any KEY=VALUE are counted, not shown;
     * other arguments (an extra file name) are shown.
     */
    public static String unmatched(List<String> args) {
        List<String> options = new ArrayList<>();
        List<String> others = new ArrayList<>();
        int hidden = 0;
        boolean afterOption = false;
        for (String a : args) {
            if (a.startsWith("-") && a.length() > 1) {
                int eq = a.indexOf('=');
                String name = eq < 0 ? a : a.substring(0, eq);
                if (OPTION_NAME.matcher(name).matches()) {
                    options.add("'" + (eq < 0 ? a : a.substring(0, eq + 1) + "...") + "'");
                    hidden += eq < 0 ? 0 : 1;
                } else { // -pS3CR3T (a cluster with its value), --S3CR3T: not what an option name looks like
                    options.add("(one not shown: it does not look like an option name and may be a secret)");
                }
                afterOption = true; // --opt value: the next one is its value (and after --opt=value, who knows)
            } else if (afterOption || a.indexOf('=') >= 0) {
                hidden++;
                afterOption = false;
            } else {
                others.add("'" + a + "'");
            }
        }
        List<String> parts = new ArrayList<>();
        if (!options.isEmpty()) {
            parts.add((options.size() == 1 ? "Unknown option: " : "Unknown options: ") + String.join(", ", options));
        }
        if (!others.isEmpty()) {
            parts.add((others.size() == 1 ? "Unmatched argument: " : "Unmatched arguments: ") + String.join(", ", others));
        }
        String message = parts.isEmpty() ? "Unmatched argument" : String.join("; ", parts);
        if (hidden > 0) {
            message += hidden == 1 ? " (the value given with it not shown: it may be a secret)"
                    : " (" + hidden + " values given with them not shown: they may be secrets)";
        }
        return message;
    }

    /** What is shown of an unknown option: a name as options are written ({@code --bogus}, {@code -x}). */
    private static final Pattern OPTION_NAME = Pattern.compile("--[a-z][a-z0-9-]*|-[A-Za-z]");

    /** picocli's quote of an invalid option value ({@code --concurrency s3cret}: 's3cret' is not an int). */
    private static final Pattern INVALID_VALUE = Pattern.compile("(Invalid value for [^:]+: )'.*?' is not ",
            Pattern.DOTALL);
    private static final Pattern BUT_WAS = Pattern.compile(" but was '.*'$", Pattern.DOTALL);
    private static final Pattern ONE_OF = Pattern.compile("expected one of \\[[A-Z0-9_, ]+\\]");

    /**
     * picocli's message in the CLI's words: without the Java exception a converter threw ({@code cannot convert 'x' to
     * UUID (java.lang.IllegalArgumentException: Invalid UUID string: x)} says it before the parenthesis) and without
     * the doubled word of its map-option message ({@code Value for option option '--set'}).
     */
    static String tidy(String message) {
        if (message == null) {
            return "";
        }
        String m = JAVA_EXCEPTION.matcher(message.replace("option option '", "option '")).replaceAll("");
        // the value given is never quoted: a secret put after the wrong option would be
        m = INVALID_VALUE.matcher(m).replaceAll("$1the value given (not shown: it may be a secret) is not ");
        m = BUT_WAS.matcher(m).replaceAll(" but was something else (not shown: it may be a secret)");
        // an enum's constants as --help and the docs write them: --output json, not JSON
        m = ONE_OF.matcher(m).replaceAll(r -> r.group().toLowerCase(java.util.Locale.ROOT));
        return KEY_VALUE_BUT_WAS.matcher(m).replaceAll(
                "should be KEY=VALUE, but has no '=' (what was given is not shown: it may be a secret, a SASL password"
                        + " given without its name)");
    }

    /** picocli's map-option message, which quotes the value given ({@code --set s3cret} for a forgotten name). */
    private static final Pattern KEY_VALUE_BUT_WAS = Pattern.compile("should be in KEY=VALUE format but was .*$",
            Pattern.DOTALL);

    private static boolean batchRequested(String[] args) {
        for (String a : args) {
            if (a.equals("--inputs") || a.startsWith("--inputs=")) {
                return true;
            }
        }
        return false;
    }

    private static boolean jsonRequested(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equalsIgnoreCase("--output=json")
                    || args[i].equals("--output") && i + 1 < args.length && args[i + 1].equalsIgnoreCase("json")) {
                return true;
            }
        }
        return false;
    }
}
