// SPDX-License-Identifier: Apache-2.0

// Walks over trees that are already built (MessagePackValue here, PortableValue in the portable layer) for
// descriptions, equality, hashing, re-encoding and conversions. Each keeps the containers it is inside in an
// array on the heap instead of recursing, so the stack they need does not grow with the depth of the tree: a
// value decoded with any maxDepth can be printed, compared and re-encoded on a 512 KiB thread.

/// The children of a container node: array elements, or map entries in stored order.
@usableFromInline
package enum _TreeChildren<Node> {
    case array([Node])
    case map([(key: Node, value: Node)])

    /// Children in visiting order: two per map entry (key, then value).
    @inlinable var visitCount: Int {
        switch self {
        case .array(let a): return a.count
        case .map(let m): return m.count &* 2
        }
    }

    /// The child at visiting position `position`.
    @inlinable func child(at position: Int) -> Node {
        switch self {
        case .array(let a): return a[position]
        case .map(let m): return position & 1 == 0 ? m[position >> 1].key : m[position >> 1].value
        }
    }

    @inlinable var isMap: Bool { if case .map = self { return true } else { return false } }
}

/// Something done to every node of a tree in depth-first order: write it, describe it, hash it.
@usableFromInline
package protocol _DynamicTreeVisitor {
    associatedtype Node
    /// Handles a node on the way down: handles a leaf whole and returns nil, or opens a container (writes its
    /// header, its opening bracket) and returns its children, which are visited next. Returning nil for a
    /// container skips its children.
    mutating func enter(_ node: Node) -> _TreeChildren<Node>?
    /// Before the child at visiting `position` of a container: array element `position`, or for a map the key
    /// (even positions) and the value (odd) of entry `position / 2`.
    mutating func beforeChild(at position: Int, isMap: Bool)
    /// After the last child of a container that ``enter(_:)`` opened.
    mutating func exit(isMap: Bool)
}

/// A visitor that writes a text for a tree (a description, a notation), starting empty.
package protocol _TextWritingVisitor: _DynamicTreeVisitor {
    init()
    /// The text written so far.
    var out: String { get }
}

extension _TextWritingVisitor {
    /// The text for `root` and everything under it.
    package static func text(of root: Node) -> String {
        var visitor = Self()
        visitor.visit(root)
        return visitor.out
    }
}

extension _DynamicTreeVisitor {
    /// Visits `root` and everything under it, without recursion.
    ///
    /// - Complexity: O(n) in the nodes; the heap holds one entry per open container.
    @inlinable
    package mutating func visit(_ root: Node) {
        guard let children = enter(root) else { return }
        var outer: [(children: _TreeChildren<Node>, next: Int)] = []
        var top = (children: children, next: 0)
        while true {
            if top.next < top.children.visitCount {
                let position = top.next
                top.next &+= 1
                beforeChild(at: position, isMap: top.children.isMap)
                if let grandchildren = enter(top.children.child(at: position)) {
                    outer.append(top)
                    top = (grandchildren, 0)
                }
                continue
            }
            exit(isMap: top.children.isMap)
            guard let parent = outer.popLast() else { return }
            top = parent
        }
    }
}

/// The punctuation of the diagnostic notation (`[1, 2]`, `{"a": 1}`), shared by the descriptions of
/// `MessagePackValue` and the portable layer's value.
package enum _DiagnosticNotation {
    /// Before the child at visiting `position` of an array or a map (see ``_DynamicTreeVisitor``).
    package static func beforeChild(at position: Int, isMap: Bool, into out: inout String) {
        if isMap {
            if position & 1 == 1 { out += ": " } else if position > 0 { out += ", " }
        } else if position > 0 {
            out += ", "
        }
    }

    /// Opens a container (`[` or `{`) and returns its children for the visitor to enter.
    package static func open<Node>(_ children: _TreeChildren<Node>, into out: inout String) -> _TreeChildren<Node> {
        if case .map = children { out += "{" } else { out += "[" }
        return children
    }

    /// After the last child.
    package static func close(isMap: Bool, into out: inout String) { out += isMap ? "}" : "]" }
}

/// One container being rebuilt by ``_rebuildTree(_:children:leaf:array:map:)``.
@usableFromInline
package struct _RebuildLevel<Source, Target> {
    @usableFromInline var source: _TreeChildren<Source>
    @usableFromInline var next = 0
    @usableFromInline var elements: [Target] = []
    @usableFromInline var entries: [(key: Target, value: Target)] = []
    @usableFromInline var key: Target? = nil
    @inlinable init(source: _TreeChildren<Source>) { self.source = source }
}

/// Rebuilds a tree bottom-up without recursion: each leaf with `leaf`, each container from its rebuilt children
/// (a map also gets its entries as they were, for keys that must be looked at as they were).
/// Returns nil as soon as `leaf` does (a node that has no counterpart in the target).
///
/// - Complexity: O(n) in the nodes.
@inlinable
package func _rebuildTree<Source, Target>(
    _ root: Source, children: (Source) -> _TreeChildren<Source>?, leaf: (Source) -> Target?,
    array: ([Target]) -> Target, map: ([(key: Target, value: Target)], _ source: [(key: Source, value: Source)]) -> Target
) -> Target? {
    typealias Level = _RebuildLevel<Source, Target>
    func open(_ node: Source) -> Level? {
        guard let c = children(node) else { return nil }
        var level = Level(source: c)
        switch c {
        case .array(let a): level.elements.reserveCapacity(a.count)
        case .map(let m): level.entries.reserveCapacity(m.count)
        }
        return level
    }
    guard var top = open(root) else { return leaf(root) }
    var outer: [Level] = []
    while true {
        if top.next < top.source.visitCount {
            let child = top.source.child(at: top.next)
            top.next &+= 1
            if let level = open(child) {
                outer.append(top)
                top = level
                continue
            }
            guard let built = leaf(child) else { return nil }
            if top.source.isMap {
                if let key = top.key.take() { top.entries.append((key, built)) } else { top.key = built }
            } else {
                top.elements.append(built)
            }
            continue
        }
        let built: Target
        switch top.source {
        case .array: built = array(top.elements)
        case .map(let source): built = map(top.entries, source)
        }
        guard var parent = outer.popLast() else { return built }
        if parent.source.isMap {
            if let key = parent.key.take() { parent.entries.append((key, built)) } else { parent.key = built }
        } else {
            parent.elements.append(built)
        }
        top = parent
    }
}

/// Compares two trees without recursion: `leaves` decides pairs where at least one side is not a container.
///
/// - Complexity: O(n) in the nodes compared.
@inlinable
package func _treesEqual<Node>(
    _ lhs: Node, _ rhs: Node, children: (Node) -> _TreeChildren<Node>?, leaves: (Node, Node) -> Bool
) -> Bool {
    var pending: [(Node, Node)] = [(lhs, rhs)]
    while let (a, b) = pending.popLast() {
        switch (children(a), children(b)) {
        case (.array(let x)?, .array(let y)?):
            guard x.count == y.count else { return false }
            // Pushed in reverse, so the first elements are compared first (an early mismatch ends it soon).
            for i in x.indices.reversed() { pending.append((x[i], y[i])) }
        case (.map(let x)?, .map(let y)?):
            guard x.count == y.count else { return false }
            for i in x.indices.reversed() {
                pending.append((x[i].value, y[i].value))
                pending.append((x[i].key, y[i].key))
            }
        case (nil, nil):
            guard leaves(a, b) else { return false }
        default:
            return false
        }
    }
    return true
}

extension MessagePackValue {
    /// Frees the value without recursion, for trees nested deeper than the stack can free.
    ///
    /// Swift frees an array of values by freeing each element in turn, one call inside another per level:
    /// about 110 bytes of stack a level in a debug build, so dropping a tree nested 100,000 deep needs about
    /// 11 MiB of stack and overflows even an 8 MiB thread. The decoders never build a tree deeper than
    /// ``MessagePackLimits/maxSafeDepth``, which any thread frees; a deeper one is one your own code built, and
    /// it should end its life with this instead of letting it go out of scope.
    ///
    ///     var tree: MessagePackValue = []
    ///     for _ in 0..<100_000 { tree = [tree] }
    ///     use(tree)
    ///     (consume tree).releaseIteratively()
    ///
    /// Only what this value holds alone is freed here: `consume` the last binding of it (a copy kept elsewhere
    /// keeps the tree alive, and its own end frees it the recursive way).
    ///
    /// - Complexity: O(n) in the nodes.
    public consuming func releaseIteratively() {
        _releaseIteratively(self, children: \._children)
    }
}

/// Frees a tree without recursion: each container's children are moved to a list before the container is
/// freed, so freeing it drops only references the list still holds.
@inlinable
package func _releaseIteratively<Node>(_ root: consuming Node, children: (Node) -> _TreeChildren<Node>?) {
    var pending: [Node] = [root]
    while let node = pending.popLast() {
        switch children(node) {
        case .array(let elements)?:
            pending.append(contentsOf: elements)
        case .map(let entries)?:
            for entry in entries {
                pending.append(entry.key)
                pending.append(entry.value)
            }
        case nil:
            break
        }
        // `node` and its children array are freed here; the children live on in `pending`.
    }
}
