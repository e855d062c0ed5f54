package ai.omninode.onex.validation.internal;

import ai.omninode.onex.contract.Problem;
import ai.omninode.onex.contract.Severity;
import ai.omninode.onex.validation.ReportFormat.Tool;
import ai.omninode.onex.validation.ValidationReport;
import ai.omninode.onex.validation.ValidationReport.FileResult;
import ai.omninode.onex.validation.ValidationReport.Kind;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * JUnit XML as Ant and Surefire write it, which CI servers show as a test report: one test case per file checked
 * (its errors as one {@code failure}, its warnings in {@code system-out}), a skipped test case per file that is not an
 * ONEX file, and one test case per source of problems outside the files (a plugin jar).
 */
public final class JunitWriter {
    private JunitWriter() {
    }

    private record Case(String classname, String name, List<Problem> problems, boolean skipped) {
    }

    public static String write(ValidationReport report, Tool tool) {
        List<Case> cases = new ArrayList<>();
        for (FileResult f : report.files()) {
            cases.add(new Case("onex." + f.kind().label(), f.file(), f.problems(), f.kind() == Kind.SKIPPED));
        }
        Map<String, List<Problem>> others = new LinkedHashMap<>();
        report.problems().forEach(p -> others.computeIfAbsent(p.source(), k -> new ArrayList<>()).add(p));
        others.forEach((source, problems) -> cases.add(new Case("onex.other", source, problems, false)));
        long failures = cases.stream().filter(c -> !c.skipped() && hasErrors(c.problems())).count();
        long skipped = cases.stream().filter(Case::skipped).count();
        StringWriter out = new StringWriter();
        try {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            x.writeStartDocument("UTF-8", "1.0");
            x.writeCharacters("\n");
            x.writeStartElement("testsuites");
            x.writeAttribute("name", tool.name());
            x.writeAttribute("tests", String.valueOf(cases.size()));
            x.writeAttribute("failures", String.valueOf(failures));
            x.writeAttribute("errors", "0");
            x.writeAttribute("skipped", String.valueOf(skipped));
            x.writeCharacters("\n  ");
            x.writeStartElement("testsuite");
            x.writeAttribute("name", tool.name());
            x.writeAttribute("tests", String.valueOf(cases.size()));
            x.writeAttribute("failures", String.valueOf(failures));
            x.writeAttribute("errors", "0");
            x.writeAttribute("skipped", String.valueOf(skipped));
            x.writeAttribute("time", "0");
            for (Case c : cases) {
                x.writeCharacters("\n    ");
                x.writeStartElement("testcase");
                x.writeAttribute("classname", Problem.printable(c.classname())); // XML holds no control characters
                x.writeAttribute("name", Problem.printable(c.name()));
                x.writeAttribute("time", "0");
                List<Problem> errors = c.problems().stream().filter(Problem::isError).toList();
                List<Problem> rest = c.problems().stream().filter(p -> !p.isError()).toList();
                if (c.skipped()) {
                    x.writeCharacters("\n      ");
                    x.writeEmptyElement("skipped");
                    x.writeAttribute("message", rest.isEmpty() ? "not an ONEX file" : rest.get(0).message());
                } else if (!errors.isEmpty()) {
                    x.writeCharacters("\n      ");
                    x.writeStartElement("failure");
                    x.writeAttribute("message", errors.size() == 1 ? errors.get(0).message()
                            : errors.size() + " errors; the first: " + errors.get(0).message());
                    x.writeAttribute("type", errors.stream().map(Problem::rule).distinct()
                            .collect(Collectors.joining(" ")));
                    x.writeCharacters(lines(errors));
                    x.writeEndElement();
                }
                if (!c.skipped() && !rest.isEmpty()) {
                    x.writeCharacters("\n      ");
                    x.writeStartElement("system-out");
                    x.writeCharacters(lines(rest));
                    x.writeEndElement();
                }
                if (!c.problems().isEmpty() || c.skipped()) {
                    x.writeCharacters("\n    ");
                }
                x.writeEndElement();
            }
            x.writeCharacters("\n  ");
            x.writeEndElement();
            x.writeCharacters("\n");
            x.writeEndElement();
            x.writeCharacters("\n");
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write JUnit XML", e);
        }
        return out.toString();
    }

    private static boolean hasErrors(List<Problem> problems) {
        return problems.stream().anyMatch(p -> p.severity() == Severity.ERROR);
    }

    private static String lines(List<Problem> problems) {
        return "\n" + problems.stream().map(TextWriter::line).collect(Collectors.joining("\n")) + "\n";
    }
}
