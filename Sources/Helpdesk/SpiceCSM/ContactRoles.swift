import CRM

/// Which of a customer's phones and emails fill SpiceCSM's contact slots (`pphone`, `sphone`, `mobile`, `fax`;
/// `pemail`, `semail`), so that a value an account update writes into a slot is loaded from that slot again.
///
/// A slot that claims a type takes the first handle of that type: `mobile` the first Mobile phone, `fax` the first
/// Fax phone, `sphone` the first Home phone, `semail` the first Home email. Then the handles left, in order, fill
/// the empty general slots (`pphone` then `sphone`; `pemail` then `semail`); what fills no slot is kept in
/// `otherPhones` / `otherEmails` so an update does not lose it.
struct ContactRoles {
    /// How one list of handles fills a group of slots.
    struct Layout {
        /// The slots' attribute names.
        let names: [String]
        /// Each slot's own type: what a value written into an empty slot gets, and what a stored handle is given
        /// when its type would load it into another slot.
        let types: [String]
        /// The slots that take the first handle of their own type.
        let claiming: [Int]
        /// The slots filled, in order, with the handles left.
        let general: [Int]

        func assign(_ handles: [CustomerProfile.Handle]) -> (slots: [CustomerProfile.Handle?], rest: [CustomerProfile.Handle]) {
            var slots = [CustomerProfile.Handle?](repeating: nil, count: names.count)
            var left = handles
            for slot in claiming {
                guard let index = left.firstIndex(where: { $0.type == types[slot] }) else { continue }
                slots[slot] = left.remove(at: index)
            }
            for slot in general where slots[slot] == nil && !left.isEmpty { slots[slot] = left.removeFirst() }
            return (slots, left)
        }

        /// The handles to store for `slots` and `rest`: slot order, then the rest, each handle keeping its type
        /// unless that type would load it into another slot; then it takes its slot's own type. A slot left empty
        /// may be filled by one of the rest when loaded.
        func stored(_ slots: [CustomerProfile.Handle?], rest: [CustomerProfile.Handle]) -> [CustomerProfile.Handle] {
            var slots = slots
            for retypeAll in [false, true] {
                let list = slots.compactMap { $0 } + rest
                let loaded = assign(list).slots
                let misplaced = slots.indices.filter { slots[$0] != nil && loaded[$0] != slots[$0] }
                if misplaced.isEmpty { return list }
                for slot in (retypeAll ? Array(slots.indices) : misplaced) {
                    if let handle = slots[slot] { slots[slot] = CustomerProfile.Handle(type: types[slot], value: handle.value) }
                }
            }
            return slots.compactMap { $0 } + rest
        }
    }

    static let phoneLayout = Layout(
        names: ["pphone", "sphone", "mobile", "fax"], types: ["Work", "Home", "Mobile", "Fax"], claiming: [1, 2, 3],
        general: [0, 1])
    static let emailLayout = Layout(names: ["pemail", "semail"], types: ["Work", "Home"], claiming: [1], general: [0, 1])

    var phoneSlots: [CustomerProfile.Handle?]
    var otherPhones: [CustomerProfile.Handle]
    var emailSlots: [CustomerProfile.Handle?]
    var otherEmails: [CustomerProfile.Handle]

    init(_ profile: CustomerProfile) {
        (phoneSlots, otherPhones) = Self.phoneLayout.assign(profile.phones)
        (emailSlots, otherEmails) = Self.emailLayout.assign(profile.emails)
    }

    var pphone: CustomerProfile.Handle? { phoneSlots[0] }
    var sphone: CustomerProfile.Handle? { phoneSlots[1] }
    var mobile: CustomerProfile.Handle? { phoneSlots[2] }
    var fax: CustomerProfile.Handle? { phoneSlots[3] }
    var pemail: CustomerProfile.Handle? { emailSlots[0] }
    var semail: CustomerProfile.Handle? { emailSlots[1] }

    /// The phone a search result shows: the primary phone, else the secondary, the mobile or the fax.
    var searchPhone: CustomerProfile.Handle? { phoneSlots.lazy.compactMap { $0 }.first }

    /// The phones and emails to store, as `Layout.stored` arranges them.
    var phones: [CustomerProfile.Handle] { Self.phoneLayout.stored(phoneSlots, rest: otherPhones) }
    var emails: [CustomerProfile.Handle] { Self.emailLayout.stored(emailSlots, rest: otherEmails) }
}
