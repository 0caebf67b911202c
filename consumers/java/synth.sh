#!/usr/bin/env bash
# The Java consumer: builds the Maven project against the jar in dist/java (npx projen package:java)
# and aws-cdk-lib from Maven Central, and synthesizes it with the CDK CLI from npm into $1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
version=$(node -p 'require(process.argv[1]).version' "$root/package.json")
artifact=io/github/cdkprivateworkforce/cdk-private-workforce/$version
jar=$root/dist/java/$artifact/cdk-private-workforce-$version.jar
if [ ! -f "$jar" ]; then
  echo "consumers/java: no $jar (npx projen package:java)" >&2
  exit 1
fi
# Maven never downloads a release version twice: drop the copy of an earlier build from the local
# repository, so that this build resolves the jar just built.
m2=${MAVEN_LOCAL_REPOSITORY:-$HOME/.m2/repository}
rm -rf "${m2:?}/$artifact"
mvn_args=(--batch-mode --quiet -Dstyle.color=never -Dmaven.repo.local="$m2" -Dcdk-private-workforce.version="$version")
cd "$here"
rm -rf target
mvn "${mvn_args[@]}" compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
if ! cmp -s "$jar" "$m2/$artifact/cdk-private-workforce-$version.jar"; then
  echo "consumers/java: Maven resolved a jar other than $jar" >&2
  exit 1
fi
echo "consumers/java: $(tr ':' '\n' < target/classpath.txt | grep -oE '(cdk-private-workforce|aws-cdk-lib|constructs|jsii-runtime)-[0-9.]+\.jar' | sort | tr '\n' ' ')"
cdk synth --quiet --no-notices --output "$out" --app "mvn ${mvn_args[*]} exec:java" > /dev/null
echo "consumers/java: synthesized $(ls "$out"/*.template.json | xargs -n1 basename | tr '\n' ' ')into ${out#"$root"/}"
