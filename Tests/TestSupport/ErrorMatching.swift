// SPDX-License-Identifier: Apache-2.0
import Foundation
import MessagePack
import Testing

/// The `MessagePackError` that `body` throws; nil when `body` succeeds. Any other error is recorded as an issue:
/// every entry point throws `MessagePackError` and only it (README, "Errors").
public func messagePackError(_ body: () throws -> Void) -> MessagePackError? {
    do {
        try body()
        return nil
    } catch let error as MessagePackError {
        return error
    } catch {
        Issue.record("unexpected error \(error) (\(type(of: error))): every entry point throws MessagePackError")
        return nil
    }
}

/// Checks that `error` is the encoder's depth error for `maxDepth`.
public func expectTooDeep(
    _ error: MessagePackError?, maxDepth: Int = 512, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let error else {
        Issue.record("expected limitExceeded (maxDepth), but encoding succeeded", sourceLocation: sourceLocation)
        return
    }
    #expect(error.code == .limitExceeded, "\(error)", sourceLocation: sourceLocation)
    #expect(error.detail.contains("maxDepth = \(maxDepth)"), "\(error)", sourceLocation: sourceLocation)
}
