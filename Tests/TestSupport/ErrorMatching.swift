// SPDX-License-Identifier: Apache-2.0
import Foundation
import MessagePack
import Testing

/// The `MessagePackError` that `body` throws, itself or as the underlying error of an `EncodingError` or a
/// `DecodingError`; nil when `body` succeeds. Any other error is recorded as an issue.
public func messagePackError(_ body: () throws -> Void) -> MessagePackError? {
    do {
        try body()
        return nil
    } catch let error as MessagePackError {
        return error
    } catch let EncodingError.invalidValue(_, context) {
        return context.underlyingError as? MessagePackError
    } catch let error as DecodingError {
        switch error {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
            .valueNotFound(_, let context):
            return context.underlyingError as? MessagePackError
        @unknown default: return nil
        }
    } catch {
        Issue.record("unexpected error \(error)")
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
