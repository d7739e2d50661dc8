//! What the demo tickets talk about: topics with their subjects, descriptions, replies,
//! notes and summaries, and the files, products and places they mention.

/// A family of tickets: one type, the channels it arrives on and the texts it uses.
pub(super) struct Topic {
    pub(super) ticket_type: &'static str,
    pub(super) channels: &'static [&'static str],
    /// Index into [`TEAMS`](super::TEAMS).
    pub(super) team: Option<usize>,
    pub(super) tags: &'static [&'static str],
    /// Concerns an order: carries an order id (and often a delivery id).
    pub(super) order: bool,
    pub(super) subjects: &'static [&'static str],
    pub(super) descriptions: &'static [&'static str],
    pub(super) customer: &'static [&'static str],
    pub(super) agent: &'static [&'static str],
    pub(super) notes: &'static [&'static str],
    pub(super) summaries: &'static [&'static str],
}

/// Relative frequency of each entry of [`TOPICS`].
pub(super) const TOPIC_WEIGHTS: [(usize, u32); 9] = [
    (0, 16),
    (1, 14),
    (2, 5),
    (3, 6),
    (4, 8),
    (5, 9),
    (6, 6),
    (7, 26),
    (8, 10),
];

pub(super) const TOPICS: &[Topic] = &[
    Topic {
        ticket_type: "billing",
        channels: &["email", "customer_account", "customer_portal", "chat"],
        team: Some(0),
        tags: &["billing", "refund"],
        order: true,
        subjects: &[
            "Charged twice for order {order}",
            "Refund for order {order} not received",
            "Invoice for {order} shows the wrong VAT number",
            "Subscription renewed after I cancelled",
            "Unexpected {amount} charge on my card",
        ],
        descriptions: &[
            "Hi, I was charged twice for order {order}, {amount} each time, on the same day. Could you refund the duplicate charge?",
            "I returned the {product} two weeks ago and still haven't received my refund of {amount}. The return was confirmed by email.",
            "Our accounting team needs a corrected invoice for {order}: the VAT number on it belongs to our old company.",
            "I cancelled my subscription last month but was billed {amount} again today. Please cancel it and refund the charge.",
            "There is a {amount} charge from you on my statement that I don't recognise. What is it for?",
        ],
        customer: &[
            "I checked my bank statement again and both charges are still there.",
            "It's been five business days. Any news on the refund?",
            "Thanks, I can see the refund on my account now.",
            "The card ends in 4421, if that helps.",
            "Could you also send the corrected invoice to our accounts team?",
        ],
        agent: &[
            "I can see the duplicate charge for {order}. I've refunded {amount}; it should appear on your statement within 3-5 business days.",
            "I've cancelled the subscription and refunded the last payment of {amount}.",
            "Could you send me the last four digits of the card that was charged?",
            "I've attached the corrected invoice for {order}.",
            "The refund for your {product} was issued today. Banks usually take a few days to show it.",
        ],
        notes: &[
            "Payment provider shows two captures for {order}; the second one is the retry bug.",
            "Refund of {amount} issued manually in the payments dashboard.",
            "Third billing issue for this customer this quarter. Worth a VIP tag?",
            "Finance confirmed the VAT number change, invoice regenerated.",
        ],
        summaries: &[
            "Duplicate charge on {order}; refunded {amount}.",
            "Subscription cancelled and last payment refunded.",
            "Corrected invoice sent for {order}.",
        ],
    },
    Topic {
        ticket_type: "question",
        channels: &["chat", "email", "customer_portal", "storefront"],
        team: None,
        tags: &[],
        order: false,
        subjects: &[
            "How do I change my delivery address?",
            "Can I pick up my order in store?",
            "Do you ship to {country}?",
            "Is the {product} coming back in stock?",
            "What is your return policy for sale items?",
        ],
        descriptions: &[
            "Hello! I'm moving next week and would like future deliveries to go to my new address. Where do I change it?",
            "Is it possible to pick up an order in one of your stores instead of having it delivered?",
            "I'd like to order a {product} but I live in {country}. Do you ship there, and how long does it take?",
            "The {product} has been out of stock for a while. Do you know when it will be available again?",
            "I bought a {product} on sale. Can I still return it if it doesn't fit my needs?",
        ],
        customer: &[
            "Great, and is there an extra fee for that?",
            "Thanks! One more question: can I change it for an order that's already placed?",
            "Perfect, that answers my question.",
        ],
        agent: &[
            "Good question, {first}! You can change it under Account > Addresses; new orders will use it right away.",
            "Yes, we ship to {country}. Delivery usually takes 5-8 business days.",
            "Sale items can be returned within 30 days, just like everything else.",
            "I've added you to the restock notification list for the {product}.",
        ],
        notes: &[
            "Common question; the help centre article could be clearer.",
            "Customer asked the same thing in chat last week.",
        ],
        summaries: &[
            "Answered: {product} availability.",
            "Explained delivery to {country}.",
            "Pointed to the address settings.",
        ],
    },
    Topic {
        ticket_type: "incident",
        channels: &["dashboard", "api", "restaurant", "email"],
        team: Some(1),
        tags: &["bug", "urgent-followup"],
        order: false,
        subjects: &[
            "Checkout fails with error 502",
            "Restaurant tablet stopped receiving orders",
            "Payments failing for all customers",
            "Order confirmation emails not arriving",
        ],
        descriptions: &[
            "Since about an hour ago every checkout attempt ends with a 502 error page. We are losing sales.",
            "Our tablet at {restaurant} hasn't received a single order since this morning, although customers say they ordered.",
            "None of our customers can pay right now; the card form just spins and times out.",
            "Customers tell us they never got their order confirmation emails today.",
        ],
        customer: &[
            "It's still happening, we've had several complaints already.",
            "It seems to be working again, thank you!",
            "We restarted the tablet as suggested, no change.",
        ],
        agent: &[
            "We're aware of the issue and our engineers are on it. I'll update you within the hour.",
            "The incident has been resolved; orders placed during the outage were re-sent to you.",
            "Could you restart the tablet and check that it is connected to Wi-Fi?",
        ],
        notes: &[
            "Linked to the status page incident; engineering on call has it.",
            "Root cause: expired certificate on the payments gateway.",
            "Tablet firmware is two versions behind; recommend an update.",
        ],
        summaries: &[
            "Outage on checkout; resolved by engineering.",
            "Tablet reconnected; missed orders re-sent.",
        ],
    },
    Topic {
        ticket_type: "problem",
        channels: &["email", "customer_portal", "dashboard", "chat"],
        team: Some(1),
        tags: &["login", "bug"],
        order: false,
        subjects: &[
            "Login keeps failing on the mobile app",
            "Two-factor codes arrive too late",
            "Orders from {restaurant} keep arriving cold",
            "Password reset link says it has expired",
        ],
        descriptions: &[
            "Every few days the app logs me out and then says my password is wrong, even though it works on the website.",
            "The two-factor code usually arrives after it has already expired, so I can't log in.",
            "This is the third time this month that food from {restaurant} arrives cold. Is there a pattern?",
            "I requested a password reset three times and every link says it has expired as soon as I click it.",
        ],
        customer: &[
            "It happened again this morning.",
            "I'm using the latest version of the app.",
            "That workaround works for now, thanks.",
        ],
        agent: &[
            "Thanks for the details. This looks like a known problem we are fixing; in the meantime, logging in on the website works.",
            "I've reset your session. Could you try again and tell me if it still happens?",
            "We've raised this with {restaurant} and their delivery partner.",
        ],
        notes: &[
            "Same root cause as the session expiry bug; linking to the problem ticket.",
            "SMS provider latency is high in some regions; engineering is switching providers.",
        ],
        summaries: &[
            "Recurring login failures; fixed in app release.",
            "Delivery partner reminded about insulated bags.",
        ],
    },
    Topic {
        ticket_type: "task",
        channels: &["customer_account", "dashboard", "email"],
        team: None,
        tags: &["onboarding"],
        order: false,
        subjects: &[
            "Update our company billing details",
            "Please close my account",
            "Add a second user to our account",
            "Change the email address on my account",
        ],
        descriptions: &[
            "We've moved offices. Please update our billing address on all future invoices.",
            "I no longer need my account. Please close it and delete my personal data.",
            "Could you add my colleague as a second user on our business account?",
            "I'd like to change the email address on my account to my new work address.",
        ],
        customer: &[
            "Thanks, much appreciated.",
            "Do you need anything else from me?",
        ],
        agent: &[
            "Done! Your billing details are updated.",
            "Your account has been closed and your data will be deleted within 30 days.",
            "I've sent your colleague an invitation.",
            "For security, please confirm the change from your current email address.",
        ],
        notes: &[
            "Identity verified by email.",
            "GDPR deletion request logged.",
        ],
        summaries: &[
            "Account details updated.",
            "Account closed at customer's request.",
        ],
    },
    Topic {
        ticket_type: "bug",
        channels: &["customer_portal", "api", "dashboard", "chat"],
        team: Some(1),
        tags: &["bug"],
        order: false,
        subjects: &[
            "Search returns no results for \"{product}\"",
            "App crashes when uploading a photo",
            "Cart shows the wrong total",
            "API returns 500 for order {order}",
        ],
        descriptions: &[
            "Searching for \"{product}\" returns nothing, but the product page exists.",
            "The app closes every time I try to upload a profile photo.",
            "My cart shows {amount} but the items add up to less than that.",
            "GET /orders/{order} returns a 500 error; other orders work fine.",
        ],
        customer: &[
            "Here's a screenshot of what I see.",
            "I'm on Android 14, if that matters.",
            "Still broken after the update.",
            "Confirmed, it works now. Thanks!",
        ],
        agent: &[
            "Thanks for the report! I could reproduce it and filed it with our developers.",
            "A fix is rolling out today; please update the app tomorrow.",
            "Could you tell me which device and app version you are using?",
        ],
        notes: &[
            "Reproduced on staging.",
            "Engineering ticket filed, severity 3.",
            "Only affects accounts created before March.",
        ],
        summaries: &[
            "Bug confirmed and fixed in the next release.",
            "Search index rebuilt.",
        ],
    },
    Topic {
        ticket_type: "feature_request",
        channels: &["customer_portal", "email", "dashboard", "api"],
        team: None,
        tags: &["feature"],
        order: false,
        subjects: &[
            "Dark mode for the dashboard",
            "Export orders as CSV",
            "Let me schedule deliveries in advance",
            "Webhook for refund events",
        ],
        descriptions: &[
            "Our team works late shifts; a dark mode for the dashboard would be much easier on the eyes.",
            "We need to export our orders as CSV for our accountant every month.",
            "It would be great to choose a delivery day when ordering.",
            "We'd like a webhook when a refund is issued, so our ERP stays in sync.",
        ],
        customer: &[
            "Any idea when this might be available?",
            "Happy to beta test it!",
        ],
        agent: &[
            "Thanks for the suggestion! I've passed it on to our product team.",
            "Good news: this is on our roadmap for next quarter.",
        ],
        notes: &[
            "Fifth request for this feature this month.",
            "Added to the product feedback board.",
        ],
        summaries: &["Feature request logged with the product team."],
    },
    Topic {
        ticket_type: "support",
        channels: &["storefront", "customer_account", "chat", "email"],
        team: Some(2),
        tags: &["shipping"],
        order: true,
        subjects: &[
            "Order {order} hasn't arrived",
            "Missing item in delivery {delivery}",
            "Package marked delivered but not received",
            "Wrong item in order {order}",
            "{product} arrived damaged",
        ],
        descriptions: &[
            "My order {order} was supposed to arrive three days ago and tracking hasn't updated since.",
            "Delivery {delivery} arrived today but the {product} was missing from the box.",
            "Tracking for {order} says delivered, but nothing arrived and my neighbours haven't seen it.",
            "I ordered a {product} ({order}) but received something completely different.",
            "The {product} from order {order} arrived with a cracked case. The box was damaged too.",
        ],
        customer: &[
            "I've attached a photo of the box.",
            "Any update? I need it by Friday.",
            "Got it, thank you so much!",
            "Can you send a replacement instead of a refund?",
        ],
        agent: &[
            "I'm sorry about that, {first}! I've sent a replacement {product}; you'll get tracking details by email.",
            "I've opened an investigation with the carrier for {order}. This usually takes 2-3 days.",
            "Could you send a photo of the damaged {product} and the packaging?",
            "A prepaid return label is attached; the replacement ships today.",
        ],
        notes: &[
            "Carrier confirms the parcel was left at the wrong address.",
            "Warehouse packing error; flagged to the team lead.",
            "Replacement order created for {order}.",
        ],
        summaries: &[
            "Replacement sent for {order}.",
            "Carrier investigation opened; refunded {amount}.",
            "Damaged {product} replaced.",
        ],
    },
    Topic {
        ticket_type: "support",
        channels: &["restaurant"],
        team: Some(2),
        tags: &["shipping", "refund"],
        order: true,
        subjects: &[
            "Food from {restaurant} arrived cold",
            "Driver couldn't find my address",
            "Missing drink in delivery {delivery}",
            "Order {order} delivered to the wrong address",
        ],
        descriptions: &[
            "My order from {restaurant} took over an hour and everything was cold.",
            "The driver called twice saying he couldn't find my building, then left with the food.",
            "Delivery {delivery} from {restaurant} was missing the drinks I paid for.",
            "The app says order {order} was delivered, but to a different street.",
        ],
        customer: &[
            "I'd like a refund, please.",
            "This happened last week too.",
            "Thanks for sorting it out.",
        ],
        agent: &[
            "I'm sorry, {first}. I've refunded {amount} for the order from {restaurant}.",
            "I've added delivery instructions to your address so drivers find it next time.",
            "I've credited {amount} to your account for the missing items.",
        ],
        notes: &[
            "Driver GPS trace shows the wrong pin location.",
            "{restaurant} has had several late deliveries today.",
        ],
        summaries: &[
            "Refunded {amount} for a late delivery.",
            "Address pin corrected.",
        ],
    },
];

pub(super) const GENERIC_CUSTOMER: &[&str] = &[
    "Any update on this?",
    "Thanks for getting back to me so quickly.",
    "Sorry, I forgot to mention: this is the second time it has happened.",
    "That didn't work, unfortunately.",
    "Perfect, thank you!",
    "I'm still waiting for an answer.",
];

pub(super) const GENERIC_AGENT: &[&str] = &[
    "Thanks for reaching out, {first}! I'm looking into this now.",
    "Thanks for your patience. I've escalated this and will update you as soon as I hear back.",
    "Could you send a screenshot of what you see?",
    "Is there anything else I can help you with?",
    "Sorry for the trouble, {first}. It's taken care of.",
];

pub(super) const GENERIC_NOTES: &[&str] = &[
    "Checked the logs, nothing unusual on our side.",
    "Asked {agent} to double-check before we reply.",
    "Possibly a duplicate of an older ticket from the same customer.",
    "Waiting for the warehouse to confirm.",
    "Customer is polite but getting frustrated; let's prioritise.",
];

pub(super) const BOT_LINES: &[&str] = &[
    "Hi {first}! I'm {bot}. Could you tell me your order number?",
    "Thanks! I found order {order}. Let me check its status.",
    "This help article might answer your question: https://help.outpost.test/articles/orders",
    "I couldn't solve this on my own, so I'm passing you to a human agent.",
];

pub(super) const CLOSE_NOTES: &[&str] = &[
    "Resolved, see the last reply.",
    "No reply from the customer in 7 days.",
    "Duplicate ticket.",
];

pub(super) const CUSTOMER_FILES: &[(&str, &str, i64)] = &[
    ("screenshot.png", "image/png", 240_000),
    ("photo.png", "image/png", 1_800_000),
    ("receipt.pdf", "application/pdf", 90_000),
];

pub(super) const AGENT_FILES: &[(&str, &str, i64)] = &[
    ("return-label.pdf", "application/pdf", 60_000),
    ("invoice.pdf", "application/pdf", 80_000),
];

/// Product ids (seed 004 `product[]`) and names.
pub(super) const PRODUCTS: &[(i64, &str)] = &[
    (1001, "wireless headphones"),
    (1002, "espresso machine"),
    (1003, "running shoes"),
    (1004, "standing desk"),
    (1005, "gift card"),
    (1006, "smart watch"),
    (1007, "winter jacket"),
    (1008, "blender"),
];

pub(super) const RESTAURANTS: &[&str] = &[
    "Luigi's Trattoria",
    "Sakura Sushi",
    "Green Bowl",
    "Burger Barn",
    "Spice Route",
];

pub(super) const COUNTRIES: &[&str] = &["Canada", "Norway", "Japan", "Brazil", "Australia"];
