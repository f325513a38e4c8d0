package com.plenary.privacy.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.decision.DecisionEngine;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.Tx;
import com.plenary.privacy.domain.Use;
import com.plenary.privacy.store.AuditLog;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.properties.HasOwner;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The arrows the design depends on, checked on the compiled classes of every module the shipped
 * command carries (this module's class path): one enforcer in front of the engine and the audit
 * trail's decisions, and modules that depend one way, core ← domain ← store ← platform ← the two
 * front ends, server and cli, which never depend on each other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ArchitectureTest {
  private JavaClasses classes;

  @BeforeAll
  void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("com.plenary.privacy");
  }

  @Test
  void onlyTheEnforcerCallsTheDecisionEngine() {
    noClasses().that().doNotHaveFullyQualifiedName(Enforcer.class.getName()).and().doNotHaveFullyQualifiedName(DecisionEngine.class.getName())
        .should().callMethodWhere(JavaCall.Predicates.target(
            HasOwner.Predicates.With.owner(
                DescribedPredicate.describe("is DecisionEngine", o -> o.getName().equals(DecisionEngine.class.getName())))))
        .because("every use of personal data is decided by the one enforcer, which gathers the facts itself and audits the decision")
        .check(classes);
  }

  @Test
  void onlyTheEnforcerMakesAuditRecordsThatClaimADecision() {
    noClasses().that().doNotHaveFullyQualifiedName(Enforcer.class.getName()).and().doNotHaveFullyQualifiedName(AuditRecord.class.getName())
        .should().callMethod(AuditRecord.class, "of", Access.class, Use.class,
            Decision.class)
        .orShould().callMethod(AuditRecord.class, "decisionBuilder", Access.class, String.class, String.class)
        .because("an audit entry with effect permit or deny must come from a decision the enforcer made")
        .check(classes);
  }

  @Test
  void onlyTheEnforcerOpensIncidents() {
    noClasses().that().doNotHaveFullyQualifiedName(Enforcer.class.getName())
        .should().callMethodWhere(DescribedPredicate.describe("Tx.openIncident",
            call -> call.getName().equals("openIncident") && call.getTargetOwner().isAssignableTo(Tx.class)))
        .because("an incident (C33) is opened by the enforcer in the transaction of the denial or break-glass it records (C33)")
        .check(classes);
  }

  @Test
  void onlyTheStoreWritesTheAuditTrail() {
    noClasses().that().resideOutsideOfPackage("com.plenary.privacy.store..")
        .should().callMethod(AuditLog.class, "append", Handle.class, AuditRecord.class)
        .orShould().callMethod(AuditLog.class, "append", Handle.class, List.class)
        .because("the store writes audit entries inside the transaction of the operation they record")
        .check(classes);
  }

  @Test
  void theCoreAndTheDomainDependOnNothingAboveThem() {
    noClasses().that().resideInAnyPackage("com.plenary.privacy.decision..", "com.plenary.privacy.policy..")
        .should().dependOnClassesThat().resideInAnyPackage("com.plenary.privacy.domain..", "com.plenary.privacy.store..", "com.plenary.privacy.platform..",
            "com.plenary.privacy.server..", "com.plenary.privacy.cli..")
        .check(classes);
    noClasses().that().resideInAPackage("com.plenary.privacy.domain..")
        .should().dependOnClassesThat().resideInAnyPackage("com.plenary.privacy.store..", "com.plenary.privacy.platform..", "com.plenary.privacy.server..",
            "com.plenary.privacy.cli..", "org.jdbi..", "io.javalin..", "java.sql..")
        .because("the domain is free of database and web code")
        .check(classes);
  }

  @Test
  void theStoreNeverDependsOnThePlatformOrAFrontEnd() {
    noClasses().that().resideInAPackage("com.plenary.privacy.store..")
        .should().dependOnClassesThat().resideInAnyPackage("com.plenary.privacy.platform..", "com.plenary.privacy.server..", "com.plenary.privacy.cli..",
            "io.javalin..", "picocli..")
        .because("the store is an adapter under the platform: it knows neither how the platform is composed nor who calls it")
        .check(classes);
  }

  @Test
  void thePlatformDependsOnNeitherFrontEnd() {
    noClasses().that().resideInAPackage("com.plenary.privacy.platform..")
        .should().dependOnClassesThat().resideInAnyPackage("com.plenary.privacy.server..", "com.plenary.privacy.cli..", "io.javalin..", "picocli..")
        .because("both front ends open the same platform; it finds a server through ServerProvider, never by name")
        .check(classes);
  }

  @Test
  void onlyTheKafkaAdapterTouchesKafka() {
    noClasses().that().resideOutsideOfPackage("com.plenary.privacy.kafka..")
        .should().dependOnClassesThat().resideInAnyPackage("com.plenary.privacy.kafka..", "org.apache.kafka..")
        .because("Kafka is an optional integration: the platform finds it through EventStreamProvider, and the embedded default needs no Kafka client")
        .check(classes);
    noClasses().that().resideInAPackage("com.plenary.privacy.kafka..")
        .should().dependOnClassesThat().resideInAnyPackage("com.plenary.privacy.server..", "com.plenary.privacy.cli..", "com.plenary.privacy.decision..")
        .because("an adapter sits below the front ends and decides nothing")
        .check(classes);
  }

  @Test
  void theCommandLineNeverDependsOnTheServer() {
    noClasses().that().resideInAPackage("com.plenary.privacy.cli..")
        .should().dependOnClassesThat().resideInAnyPackage("com.plenary.privacy.server..", "io.javalin..")
        .because("the command line is a front end of its own: serve starts the HTTP server through the platform's ServerProvider")
        .check(classes);
  }

  @Test
  void theServerNeverDependsOnTheCommandLine() {
    noClasses().that().resideInAPackage("com.plenary.privacy.server..")
        .should().dependOnClassesThat().resideInAnyPackage("com.plenary.privacy.cli..", "picocli..")
        .because("the HTTP server is a front end of its own: it serves whatever starts it")
        .check(classes);
  }

  @Test
  void useCasesLiveInTheDomain() {
    Set<String> deciding = Set.of("decide", "decideEach", "decideDisclosure", "decideAggregate", "decideUnidentified", "decideCollection", "refuse", "refuseEach", "refuseInvisible",
        "openBreakGlass");
    noClasses().that().resideOutsideOfPackage("com.plenary.privacy.domain..")
        .should().callMethodWhere(DescribedPredicate.describe("a deciding method of the enforcer",
            call -> call.getTargetOwner().isEquivalentTo(Enforcer.class) && deciding.contains(call.getName())))
        .because("every use of personal data is a use case of the domain, run inside the enforcer; front ends and the store only ask the domain")
        .check(classes);
    noClasses().that().resideInAPackage("com.plenary.privacy.store..")
        .should().dependOnClassesThat().haveFullyQualifiedName(Enforcer.class.getName())
        .orShould().dependOnClassesThat().haveFullyQualifiedName(Use.class.getName())
        .orShould().dependOnClassesThat().haveFullyQualifiedName(Decision.class.getName())
        .because("the store is adapters only: it keeps what the domain's use cases decide, and decides nothing")
        .check(classes);
  }
}
