import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { commonPasswordsText, FILE } from "../../../scripts/common-passwords";
import { weakPasswordReason } from "./password-policy";

describe("the password policy", () => {
  it("refuses the passwords most used in leaks, repeated characters and sequences", () => {
    for (const password of ["12345678", "password", "Password1", "qwerty12", "1qaz2wsx", "football1", "iloveyou1"]) {
      expect(weakPasswordReason(password), password).toBe("is one of the most common passwords");
    }
    expect(weakPasswordReason("aaaaaaaa")).toBe("repeats a single character");
    expect(weakPasswordReason("bcdefghij")).toBe("is a keyboard or alphabet sequence");
  });

  it("lets through what is long or unusual enough", () => {
    for (const password of ["correct horse battery", "password-123", "t7#kL9!qz", "Summer in Lisbon 2026"]) {
      expect(weakPasswordReason(password), password).toBeUndefined();
    }
  });

  it("ships the list @zxcvbn-ts/language-common has (npm run passwords:common after updating it)", () => {
    expect(readFileSync(FILE, "utf8") === commonPasswordsText(), `${FILE} is stale`).toBe(true);
  });
});
