package com.plenary.privacy.policy;

/** A data centre of the network (C12), its region (C13) and its physical-security attestation (C31). */
public record DataCentre(String id, String operator, String region, String location, String attestation) {}
