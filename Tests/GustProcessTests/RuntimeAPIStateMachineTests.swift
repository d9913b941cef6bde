import Testing

@testable import GustProcess

@Suite struct RuntimeAPIStateMachineTests {
    @Test func coldStartHoldsTheEventUntilTheFirstPoll() {
        var machine = RuntimeAPIStateMachine()
        #expect(machine.invokeRequested(requestID: "a") == .holdUntilPolled)
        #expect(machine.nextRequested() == .deliver(requestID: "a", firstPoll: true))
        #expect(machine.state == .busy(requestID: "a"))
        #expect(machine.resultPosted(requestID: "a") == .complete(requestID: "a"))
        #expect(machine.state == .ready)
    }

    @Test func warmInstanceParksThePollAndDeliversDirectly() {
        var machine = RuntimeAPIStateMachine()
        #expect(machine.nextRequested() == .park(firstPoll: true))
        #expect(machine.invokeRequested(requestID: "b") == .deliverToParkedPoller)
        #expect(machine.nextRequested() == .park(firstPoll: false))
        #expect(machine.resultPosted(requestID: "b") == .complete(requestID: "b"))
    }

    @Test func resultsForOtherRequestsAreRefused() {
        var machine = RuntimeAPIStateMachine()
        _ = machine.nextRequested()
        _ = machine.invokeRequested(requestID: "c")
        #expect(machine.resultPosted(requestID: "other") == .unknownRequestID)
        #expect(machine.resultPosted(requestID: "c") == .complete(requestID: "c"))
        #expect(machine.resultPosted(requestID: "c") == .unknownRequestID)
    }

    @Test func aSecondInvocationWhileBusyIsRejected() {
        var machine = RuntimeAPIStateMachine()
        _ = machine.nextRequested()
        _ = machine.invokeRequested(requestID: "d")
        #expect(machine.invokeRequested(requestID: "e") == .reject)
    }

    @Test func deadlineKillsOnlyTheInvocationInFlight() {
        var machine = RuntimeAPIStateMachine()
        _ = machine.nextRequested()
        _ = machine.invokeRequested(requestID: "f")
        let other = machine.deadlinePassed(requestID: "other")
        let own = machine.deadlinePassed(requestID: "f")
        #expect(!other)
        #expect(own)
        #expect(machine.isDead)
        #expect(machine.nextRequested() == .reject)
    }

    @Test func exitFailsTheInvocationInFlightOrWaiting() {
        var inFlight = RuntimeAPIStateMachine()
        _ = inFlight.nextRequested()
        _ = inFlight.invokeRequested(requestID: "g")
        #expect(inFlight.processExited() == "g")

        var waiting = RuntimeAPIStateMachine()
        _ = waiting.invokeRequested(requestID: "h")
        #expect(waiting.processExited() == "h")
        #expect(waiting.invokeRequested(requestID: "i") == .reject)
    }

    @Test func initErrorReturnsTheWaitingInvocation() {
        var machine = RuntimeAPIStateMachine()
        _ = machine.invokeRequested(requestID: "j")
        #expect(machine.initErrorPosted() == "j")
        #expect(machine.isDead)
    }
}
