import Testing

@testable import GustQueue

@Suite struct MessageSelectionTests {
    @Test func standardDeliversUpToTheLimit() {
        var selection = MessageSelection(limit: 2, fifo: false, groupsInFlight: [], maxReceiveCount: nil)
        #expect(selection.decide(groupID: nil, receiveCount: 0) == .deliver)
        #expect(selection.decide(groupID: nil, receiveCount: 5) == .deliver)
        #expect(selection.isFull)
        #expect(selection.decide(groupID: nil, receiveCount: 0) == .skip)
    }

    @Test func fifoSkipsGroupsWithAMessageInFlight() {
        var selection = MessageSelection(limit: 10, fifo: true, groupsInFlight: ["a"], maxReceiveCount: nil)
        #expect(selection.decide(groupID: "a", receiveCount: 0) == .skip)
        #expect(selection.decide(groupID: "b", receiveCount: 0) == .deliver)
        // A free group's later messages go out in the same receive, in order.
        #expect(selection.decide(groupID: "b", receiveCount: 0) == .deliver)
        selection.block("c")
        #expect(selection.decide(groupID: "c", receiveCount: 0) == .skip)
        #expect(selection.delivered == 2)
    }

    @Test func redriveMovesMessagesReceivedTooOften() {
        var selection = MessageSelection(limit: 10, fifo: false, groupsInFlight: [], maxReceiveCount: 2)
        #expect(selection.decide(groupID: nil, receiveCount: 1) == .deliver)
        #expect(selection.decide(groupID: nil, receiveCount: 2) == .deadLetter)
        #expect(selection.delivered == 1)
    }
}
