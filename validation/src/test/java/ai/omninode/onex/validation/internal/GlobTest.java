package ai.omninode.onex.validation.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Globs read as .gitignore, Ant and Maven read them: {@code **}{@code /} is zero or more folders. */
class GlobTest {

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # '**/' is zero or more folders: files directly in the folder match
            flows/**/*.yaml        | flows/broken.yaml          | true
            flows/**/*.yaml        | flows/sub/ok.yaml          | true
            flows/**/*.yaml        | flows/a/b/c/ok.yaml        | true
            flows/**/*.yaml        | other/flows/x.yaml         | false
            flows/**/*.yaml        | flows/x.yml                | false
            flows/**/*.yaml        | flowsx/x.yaml              | false
            **/*.yaml              | top.yaml                   | true
            **/*.yaml              | a/b/deep.yaml              | true
            **/tabs.yaml           | tabs.yaml                  | true
            **/tabs.yaml           | x/tabs.yaml                | true
            **/tabs.yaml           | x/mytabs.yaml              | false
            # in the middle
            a/**/b/*.yaml          | a/b/x.yaml                 | true
            a/**/b/*.yaml          | a/x/y/b/x.yaml             | true
            a/**/b/*.yaml          | a/xb/x.yaml                | false
            a/**/b/*.yaml          | a/b/c/x.yaml               | false
            # a leading ./ and doubled or back slashes are ignored, in the glob and in the path
            ./legacy/**            | legacy/old.yaml            | true
            ./flows/**/*.yaml      | flows/a.yaml               | true
            flows//*.yaml          | flows/a.yaml               | true
            flows\\*.yaml          | flows/a.yaml               | true
            flows/*.yaml           | ./flows/a.yaml             | true
            # dir/** is the folder and everything under it
            legacy/**              | legacy                     | true
            legacy/**              | legacy/a/b/c.yaml          | true
            legacy/**              | legacyx/a.yaml             | false
            legacy/**              | src/legacy/a.yaml          | false
            **/legacy/**           | src/legacy/a.yaml          | true
            **                     | any/thing.yaml             | true
            # '*' and '?' stay within one name
            flows/*.yaml           | flows/sub/a.yaml           | false
            flows/*.yaml           | flows/a.yaml               | true
            flows/?.yaml           | flows/a.yaml               | true
            flows/?.yaml           | flows/ab.yaml              | false
            *.yaml                 | a.yaml                     | true
            *.yaml                 | d/a.yaml                   | false
            a**b.yaml              | axxb.yaml                  | true
            a**b.yaml              | a/b.yaml                   | false
            # classes and alternatives
            docker-compose*.y{a,}ml | docker-compose.prod.yml   | true
            docker-compose*.y{a,}ml | docker-compose.yaml       | true
            {flows,jobs}/*.yaml    | jobs/a.yaml                | true
            {flows,jobs}/*.yaml    | other/a.yaml               | false
            [ab].yaml              | b.yaml                     | true
            [!ab].yaml             | b.yaml                     | false
            [!ab].yaml             | c.yaml                     | true
            [a-c]x.yaml            | bx.yaml                    | true
            # regular expression characters are literal
            a+b(1).yaml            | a+b(1).yaml                | true
            a.yaml                 | aXyaml                     | false
            $x^.yaml               | $x^.yaml                   | true
            café/*.yaml            | café/é.yaml                | true
            /abs/**/*.yaml         | /abs/x.yaml                | true
            /abs/**/*.yaml         | abs/x.yaml                 | false
            """)
    void matchesAsGitignoreAntAndMavenDo(String glob, String path, boolean matches) {
        assertThat(Glob.of(glob).matches(path)).as("%s ~ %s", glob, path).isEqualTo(matches);
    }

    @ParameterizedTest(name = "{0} is a glob: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            flows/**/*.yaml | true
            a?.yaml         | true
            [ab].yaml       | true
            {a,b}.yaml      | true
            flows/a.yaml    | false
            .               | false
            """)
    void aSpecWithAWildcardIsAGlob(String spec, boolean glob) {
        assertThat(Glob.isGlob(spec)).isEqualTo(glob);
    }
}
